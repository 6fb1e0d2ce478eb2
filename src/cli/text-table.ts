/**
 * Plain-text tables for the commands' `text` output: columns padded to the
 * widest cell and two spaces apart, numbers right-aligned, no trailing
 * spaces.
 */
export function textTable(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i] ?? '').length)));
  const line = (cells: readonly (string | number)[]): string =>
    cells
      .map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}
