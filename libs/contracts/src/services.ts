/**
 * The one place that maps LEAP applications to their contract prefix. The prefix names the
 * proto package (`leap.<prefix>.v1`, hyphens as underscores), starts every message type
 * (`media.recording.trimmed.v1`) and names the service's exchanges (`media.events`,
 * `media.commands`).
 */
export const CONTRACT_SERVICES = [
  { app: 'gateway', prefix: 'gateway' },
  { app: 'ingest', prefix: 'ingest' },
  { app: 'media-processing', prefix: 'media' },
  { app: 'transcription', prefix: 'transcription' },
  { app: 'publishing', prefix: 'publishing' },
  { app: 'storage', prefix: 'storage' },
  { app: 'quota', prefix: 'quota' },
] as const;

export type ContractPrefix = (typeof CONTRACT_SERVICES)[number]['prefix'];
export type ContractApp = (typeof CONTRACT_SERVICES)[number]['app'];

/** Package segment of shared messages: `leap.common.v1`. It owns no exchange. */
export const COMMON_PACKAGE_SEGMENT = 'common';

/** `media` → `media-processing`; undefined for an unknown prefix. */
export function appForPrefix(prefix: string): string | undefined {
  return CONTRACT_SERVICES.find((s) => s.prefix === prefix)?.app;
}

/** `media-processing` → `media`; undefined for an unknown application. */
export function prefixForApp(app: string): string | undefined {
  return CONTRACT_SERVICES.find((s) => s.app === app)?.prefix;
}

/** The proto package segment of a prefix: hyphens become underscores. */
export function packageSegment(prefix: string): string {
  return prefix.replace(/-/g, '_');
}

/** The prefix a proto package segment stands for: underscores become hyphens. */
export function prefixFromSegment(segment: string): string {
  return segment.replace(/_/g, '-');
}

/** Parses `leap.<segment>.v<N>`. */
export function parseContractPackage(pkg: string): { segment: string; prefix: string; version: number } | undefined {
  const match = /^leap\.([a-z][a-z0-9_]*)\.v([1-9][0-9]*)$/.exec(pkg);
  if (!match) return undefined;
  return { segment: match[1], prefix: prefixFromSegment(match[1]), version: Number(match[2]) };
}

export function eventsExchange(prefix: string): string {
  return `${prefix}.events`;
}

export function commandsExchange(prefix: string): string {
  return `${prefix}.commands`;
}
