/**
 * What a user may see of a secret: enough to recognise which one it is, never enough to use it.
 * Long values keep their first three and last four characters (`sk-…a1b2`), as API dashboards
 * show keys; short ones keep nothing.
 */
export function maskSecret(value: string): string {
  if (value.length >= 16) return `${value.slice(0, 3)}…${value.slice(-4)}`;
  if (value.length >= 8) return `…${value.slice(-2)}`;
  return '…';
}

/** Every string leaf of `value` masked; numbers, booleans and the shape kept, so a form can show what is set. */
export function maskSecrets(value: unknown): unknown {
  if (typeof value === 'string') return maskSecret(value);
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
  return value;
}
