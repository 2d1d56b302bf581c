/** Rows as a plain text table: a header line, then one line per row, columns padded to their widest cell. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell)).replace(/\s+/g, ' ')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string | undefined, max: number): string {
  if (!text) return '';
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
