import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LeapError } from '@leap/errors';
import { binaryPath, MediaToolError, runTool } from '@leap/media-tools';
import { GuardedProxy, type OutboundPolicy } from '@leap/outbound';
import { downloadErrors } from '../download/download-errors';
import { ytdlpError } from './ytdlp-errors';
import { formatArgs } from './ytdlp-format';

/** What yt-dlp tells of a source (`--dump-single-json`), the fields we use. */
export interface YtDlpInfo {
  id?: string;
  title?: string;
  extractor_key?: string;
  extractor?: string;
  webpage_url?: string;
  url?: string;
  duration?: number;
  _type?: string;
  filesize?: number;
  filesize_approx?: number;
  ext?: string;
  formats?: YtDlpFormat[];
  entries?: YtDlpInfo[];
  ie_key?: string;
}

export interface YtDlpFormat {
  format_id?: string;
  ext?: string;
  height?: number | null;
  width?: number | null;
  vcodec?: string | null;
  acodec?: string | null;
  filesize?: number | null;
  filesize_approx?: number | null;
  format_note?: string | null;
  protocol?: string;
}

export interface YtDlpOptions {
  policy: OutboundPolicy;
  /** yt-dlp binary (YTDLP_PATH); resolved from youtube-dl-exec, then PATH, when omitted. */
  binary?: string;
  /** Longest a probe (formats preview, playlist listing) may take. */
  probeTimeoutMs?: number;
}

export interface YtDlpDownload {
  path: string;
  info: YtDlpInfo;
}

const PROGRESS = 'leap-progress';

/**
 * yt-dlp, run so that it reaches only what the address guard allows: every run gets its own
 * guarded proxy (`--proxy`), so each host an extractor contacts — the page, a redirect, a
 * manifest, each fragment — is checked and connected to at the checked address; only its native
 * downloaders are used (they honour the proxy). No user config,
 * no cache, no plugins from the user's folders (`--ignore-config`, `--no-cache-dir`), and file
 * URLs stay disabled (yt-dlp's default). A refusal by the proxy is `INGEST.URL_NOT_ALLOWED`;
 * yt-dlp's own failures are mapped by `ytdlpError`.
 */
export class YtDlp {
  constructor(private readonly options: YtDlpOptions) {}

  /** The source's description; a playlist's entries listed flat (no request per entry). */
  async probe(url: string, options: { playlist?: boolean; signal?: AbortSignal } = {}): Promise<YtDlpInfo> {
    const signal = withTimeout(options.signal, this.options.probeTimeoutMs ?? 60_000);
    const args = ['--dump-single-json', ...(options.playlist ? ['--flat-playlist', '--yes-playlist'] : ['--no-playlist']), url];
    const { stdout } = await this.run(args, { signal });
    try {
      return JSON.parse(stdout) as YtDlpInfo;
    } catch {
      throw new LeapError('INGEST.YTDLP_FAILED', 'yt-dlp answered something that is not JSON', { status: 502, retryable: true });
    }
  }

  /**
   * Downloads the media into `dir` as `media.<ext>` (an interrupted run's `.part` file there is
   * resumed by yt-dlp with a Range request) and answers its path and description.
   */
  async download(
    url: string,
    dir: string,
    options: { quality?: string; formatPreference?: string; maxBytes: number; signal: AbortSignal; onBytes?: (done: number, total?: number) => void },
  ): Promise<YtDlpDownload> {
    const args = [
      '--no-playlist',
      '--no-simulate',
      '--print',
      'after_move:%()j',
      '--progress',
      '--newline',
      '--progress-template',
      `download:${PROGRESS} %(progress.downloaded_bytes)s %(progress.total_bytes)s %(progress.total_bytes_estimate)s`,
      '--continue',
      // Only yt-dlp's own downloaders, which go through the proxy: never rtmpdump, aria2c or an
      // ffmpeg fetching a stream by itself.
      '--downloader',
      'native',
      '--max-filesize',
      String(options.maxBytes),
      '-o',
      join(dir, 'media.%(ext)s'),
      ...ffmpegArgs(),
      ...formatArgs(options.quality, options.formatPreference),
      url,
    ];
    let info: YtDlpInfo | undefined;
    const { stdout } = await this.run(args, {
      signal: options.signal,
      onLine: (line) => {
        if (!line.startsWith(PROGRESS)) return;
        const [, done, total, estimate] = line.split(' ').map(Number);
        if (Number.isFinite(done)) options.onBytes?.(done, Number.isFinite(total) ? total : Number.isFinite(estimate) ? Math.round(estimate) : undefined);
      },
    });
    for (const line of stdout.split('\n')) {
      if (line.startsWith('{')) info = JSON.parse(line) as YtDlpInfo;
    }
    const files = (await readdir(dir)).filter((f) => f.startsWith('media.') && !/\.(part|ytdl|temp)$/.test(f) && !/\.f\d+\./.test(f));
    if (!info || files.length === 0) {
      // yt-dlp skips a file over --max-filesize and still exits 0.
      throw downloadErrors.tooLarge(info?.filesize ?? info?.filesize_approx ?? options.maxBytes + 1, options.maxBytes);
    }
    const file = (info as { filepath?: string }).filepath ?? join(dir, files[0]);
    return { path: file, info };
  }

  private async run(args: string[], options: { signal?: AbortSignal; onLine?: (line: string) => void }): Promise<{ stdout: string }> {
    const proxy = await new GuardedProxy(this.options.policy).start();
    let buffered = '';
    try {
      const binary = this.options.binary ?? binaryPath('yt-dlp');
      const result = await runTool(binary, ['--ignore-config', '--no-cache-dir', '--no-warnings', '--socket-timeout', '30', '--proxy', proxy.url, ...args], {
        signal: options.signal,
        onStdout: options.onLine
          ? (chunk) => {
              buffered += chunk;
              const lines = buffered.split('\n');
              buffered = lines.pop() ?? '';
              for (const line of lines) options.onLine!(line.trim());
            }
          : undefined,
      });
      return { stdout: result.stdout };
    } catch (error) {
      const refusal = proxy.refusalError();
      if (refusal) throw downloadErrors.urlNotAllowed(`A host the source led to may not be fetched: ${refusal.reason}`, { host: refusal.host });
      if (error instanceof MediaToolError && error.code === 'MEDIA_TOOLS.PROCESS_FAILED' && typeof error.details?.stderr === 'string') {
        throw ytdlpError(error.details.stderr);
      }
      if (error instanceof MediaToolError && error.code === 'MEDIA_TOOLS.ABORTED' && options.signal?.reason instanceof DOMException && options.signal.reason.name === 'TimeoutError') {
        throw new LeapError('INGEST.YTDLP_TIMEOUT', 'yt-dlp took too long to describe the source', { status: 504, retryable: true });
      }
      throw error;
    } finally {
      await proxy.close();
    }
  }
}

/** The ffmpeg yt-dlp merges and converts with: the platform's own, when there is one. */
function ffmpegArgs(): string[] {
  try {
    return ['--ffmpeg-location', binaryPath('ffmpeg')];
  } catch {
    return [];
  }
}

function withTimeout(signal: AbortSignal | undefined, ms: number): AbortSignal {
  const timeout = AbortSignal.timeout(ms);
  return signal ? AbortSignal.any([signal, timeout]) : timeout;
}
