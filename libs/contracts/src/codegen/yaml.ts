const RESERVED = /^(?:true|false|yes|no|on|off|null|y|n|~)$/i;
const PLAIN = /^[A-Za-z][^:#\n"'\\`{}[\]|>&*!%@]*$/;

function scalar(value: string): string {
  if (PLAIN.test(value) && !value.endsWith(' ') && !RESERVED.test(value)) return value;
  return JSON.stringify(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function emitScalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  if (text.includes('\n')) return `|-\n${text.split('\n').map((line) => (line ? `${indent}  ${line}` : '')).join('\n')}`;
  return scalar(text);
}

function emit(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []';
    return value
      .map((item) => {
        if (isScalar(item)) return `\n${indent}- ${emitScalar(item, indent)}`;
        const body = emit(item, `${indent}  `);
        // The first key of a mapping goes on the dash line.
        return `\n${indent}- ${body.replace(/^\n?\s*/, '')}`;
      })
      .join('');
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return ' {}';
    return entries
      .map(([key, child]) => {
        const name = scalar(key);
        if (isScalar(child)) return `\n${indent}${name}: ${emitScalar(child, indent)}`;
        return `\n${indent}${name}:${emit(child, `${indent}  `)}`;
      })
      .join('');
  }
  return ` ${emitScalar(value, indent)}`;
}

/** Block-style YAML for JSON-like data: deterministic, quoting only where YAML needs it. */
export function toYaml(value: unknown): string {
  return `${emit(value, '').replace(/^\n/, '')}\n`;
}
