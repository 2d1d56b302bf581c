/** Clients that are not browsers, by the product token their User-Agent starts with. */
const TOOLS: [RegExp, string][] = [
  [/^curl\//i, 'curl'],
  [/^Wget\//i, 'Wget'],
  [/^HTTPie\//i, 'HTTPie'],
  [/^PostmanRuntime\//i, 'Postman'],
  [/^insomnia\//i, 'Insomnia'],
  [/^python-requests\//i, 'Python requests'],
  [/^python-httpx\//i, 'Python httpx'],
  [/^aiohttp\//i, 'Python aiohttp'],
  [/^Python-urllib\//i, 'Python urllib'],
  [/^okhttp\//i, 'OkHttp'],
  [/^Go-http-client\//i, 'Go HTTP client'],
  [/^node-fetch/i, 'Node.js'],
  [/^node$/i, 'Node.js'],
  [/^undici/i, 'Node.js'],
  [/^axios\//i, 'axios'],
  [/^Dart\//i, 'Dart'],
];

/** Browsers, most specific first (Edge and Opera also claim to be Chrome, Chrome claims to be Safari). */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bVivaldi\//, 'Vivaldi'],
  [/\bYaBrowser\//, 'Yandex Browser'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\/|\bChromium\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\/|\bMobile\/\w+ Safari\//, 'Safari'],
  [/\bMSIE |\bTrident\//, 'Internet Explorer'],
];

/** Operating systems, most specific first (Android and ChromeOS also say Linux, iOS says "like Mac OS X"). */
const SYSTEMS: [RegExp, string][] = [
  [/\bWindows\b/, 'Windows'],
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b|\biPad\b|\biPod\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMacintosh\b|\bMac OS X\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

export const UNKNOWN_DEVICE = 'Unknown device';
const MAX_LABEL = 100;

/**
 * A short, human label for the device a session was opened on, from its User-Agent: browser and
 * operating system ("Firefox on Linux", "Safari on iOS"), the tool ("curl"), or "Unknown device".
 */
export function deviceLabelOf(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').trim();
  if (!ua) return UNKNOWN_DEVICE;
  const tool = TOOLS.find(([pattern]) => pattern.test(ua));
  if (tool) return tool[1];
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `Browser on ${system}`;
  const product = /^([A-Za-z][\w.-]{0,40})\//.exec(ua)?.[1];
  return product ?? UNKNOWN_DEVICE;
}

/** The label a client chose (trimmed, control characters removed, at most 100 characters), else the one from its User-Agent. */
export function chooseDeviceLabel(given: string | undefined, userAgent: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = (given ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, MAX_LABEL);
  return cleaned || deviceLabelOf(userAgent);
}
