import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { MediaToolError } from './errors';

export type MediaBinary = 'ffmpeg' | 'ffprobe' | 'yt-dlp';

/** Where a binary was found: its configured path, an npm package, the system PATH. */
export type BinarySource = 'env' | 'ffmpeg-static' | 'youtube-dl-exec' | 'path' | '@ffmpeg-installer/ffmpeg';

export interface BinaryCandidate {
  source: BinarySource;
  /** Absolute path, or undefined when the source does not apply (package not installed, env unset). */
  path: string | undefined;
  description: string;
}

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
}

export interface ResolveBinaryOptions {
  env?: NodeJS.ProcessEnv;
  /** Locates an npm package's directory; returns undefined when the package is not installed. */
  packageDir?: (name: string) => string | undefined;
  isExecutable?: (path: string) => boolean;
}

const ENV_KEYS: Record<MediaBinary, string> = { ffmpeg: 'FFMPEG_PATH', ffprobe: 'FFPROBE_PATH', 'yt-dlp': 'YTDLP_PATH' };

function defaultPackageDir(name: string): string | undefined {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function defaultIsExecutable(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function searchPath(name: string, env: NodeJS.ProcessEnv, isExecutable: (p: string) => boolean): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter((d) => d.length > 0);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Every place a binary is looked for, in order: the env path (FFMPEG_PATH, FFPROBE_PATH, YTDLP_PATH),
 * the npm package's binary (ffmpeg-static, youtube-dl-exec), the system PATH, then
 * @ffmpeg-installer/ffmpeg (ffmpeg only).
 */
export function binaryCandidates(binary: MediaBinary, options: ResolveBinaryOptions = {}): BinaryCandidate[] {
  const env = options.env ?? process.env;
  const packageDir = options.packageDir ?? defaultPackageDir;
  const isExecutable = options.isExecutable ?? defaultIsExecutable;
  const envKey = ENV_KEYS[binary];
  const candidates: BinaryCandidate[] = [
    { source: 'env', path: env[envKey] || undefined, description: `${envKey}=${env[envKey] ?? '(unset)'}` },
  ];
  if (binary === 'ffmpeg') {
    const dir = packageDir('ffmpeg-static');
    candidates.push({ source: 'ffmpeg-static', path: dir ? join(dir, 'ffmpeg') : undefined, description: 'npm package ffmpeg-static' });
  }
  if (binary === 'yt-dlp') {
    const dir = packageDir('youtube-dl-exec');
    candidates.push({ source: 'youtube-dl-exec', path: dir ? join(dir, 'bin', 'yt-dlp') : undefined, description: 'npm package youtube-dl-exec' });
  }
  candidates.push({ source: 'path', path: searchPath(binary, env, isExecutable), description: `${binary} on PATH` });
  if (binary === 'ffmpeg') {
    const dir = packageDir(`@ffmpeg-installer/${process.platform}-${process.arch}`);
    candidates.push({ source: '@ffmpeg-installer/ffmpeg', path: dir ? join(dir, 'ffmpeg') : undefined, description: 'npm package @ffmpeg-installer/ffmpeg' });
  }
  return candidates;
}

/** Finds a binary; throws MEDIA_TOOLS.BINARY_NOT_FOUND naming every place that was tried. */
export function resolveBinary(binary: MediaBinary, options: ResolveBinaryOptions = {}): ResolvedBinary {
  const isExecutable = options.isExecutable ?? defaultIsExecutable;
  const candidates = binaryCandidates(binary, options);
  const envCandidate = candidates[0];
  if (envCandidate.path !== undefined && !isExecutable(envCandidate.path)) {
    throw new MediaToolError(
      'MEDIA_TOOLS.BINARY_NOT_FOUND',
      `${ENV_KEYS[binary]} points at ${envCandidate.path}, which is not an executable file`,
      { tried: [envCandidate.description] },
    );
  }
  for (const candidate of candidates) {
    if (candidate.path !== undefined && isExecutable(candidate.path)) return { path: candidate.path, source: candidate.source };
  }
  const tried = candidates.map((c) => c.description);
  throw new MediaToolError('MEDIA_TOOLS.BINARY_NOT_FOUND', `${binary} was not found; tried: ${tried.join(', ')}`, { tried });
}

const cache = new Map<string, ResolvedBinary>();

/** resolveBinary against process.env, remembered per binary and configured path. */
export function binaryPath(binary: MediaBinary, configuredPath?: string): string {
  const key = `${binary}\u0000${configuredPath ?? process.env[ENV_KEYS[binary]] ?? ''}`;
  let resolved = cache.get(key);
  if (!resolved) {
    const env = configuredPath ? { ...process.env, [ENV_KEYS[binary]]: configuredPath } : process.env;
    resolved = resolveBinary(binary, { env });
    cache.set(key, resolved);
  }
  return resolved.path;
}
