import { chooseDeviceLabel, deviceLabelOf } from './device-label';

describe('device labels from the User-Agent', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', 'Firefox on Linux'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'Chrome on Windows'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68', 'Edge on Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1', 'Safari on iOS'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1', 'Chrome on iOS'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36', 'Chrome on Android'],
    ['Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
    ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0', 'Opera on Windows'],
    ['curl/8.5.0', 'curl'],
    ['Wget/1.21.4', 'Wget'],
    ['python-requests/2.32.3', 'Python requests'],
    ['PostmanRuntime/7.39.0', 'Postman'],
    ['Go-http-client/1.1', 'Go HTTP client'],
    ['node', 'Node.js'],
    ['LeapDesktop/2.1 (build 7)', 'LeapDesktop'],
    ['', 'Unknown device'],
    ['???', 'Unknown device'],
  ])('%s → %s', (userAgent, label) => {
    expect(deviceLabelOf(userAgent)).toBe(label);
  });

  it('has no User-Agent at all as an unknown device', () => {
    expect(deviceLabelOf(undefined)).toBe('Unknown device');
  });

  it("prefers the client's own label, cleaned and shortened", () => {
    expect(chooseDeviceLabel("  Ada's laptop ", 'curl/8.5.0')).toBe("Ada's laptop");
    expect(chooseDeviceLabel('line\nbreak', undefined)).toBe('line break');
    expect(chooseDeviceLabel('x'.repeat(300), undefined)).toHaveLength(100);
    expect(chooseDeviceLabel('   ', 'curl/8.5.0')).toBe('curl');
    expect(chooseDeviceLabel(undefined, 'curl/8.5.0')).toBe('curl');
  });
});
