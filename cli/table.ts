/** Aligned text tables and the small formatting rules of `ls` (docs/cli.md). */

export const shortId = (id: string | null | undefined, long: boolean) =>
  id ? (long ? id : id.slice(0, 12)) : '-';

export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return 'in the future';
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '-';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)}${units[u]}`;
}

/**
 * Columns padded to their widest cell; the last column is cut to the terminal width when
 * there is one (`width`), so rows never wrap.
 */
export function table(
  header: string[],
  rows: string[][],
  opts: { noHeader?: boolean; width?: number } = {},
): string {
  const all = opts.noHeader ? rows : [header, ...rows];
  if (all.length === 0) return '';
  const widths = header.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
  return all
    .map((r) => {
      const line = r
        .map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c] as number)))
        .join('  ');
      return opts.width && line.length > opts.width ? `${line.slice(0, opts.width - 1)}…` : line;
    })
    .join('\n')
    .concat('\n');
}
