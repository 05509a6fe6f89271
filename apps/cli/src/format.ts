/** Number and config formatting shared by the CLI's human-readable output. */
export function sci(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(digits).replace('e+', 'e');
  return String(Number(v.toPrecision(digits + 2)));
}

/** The widest target's relative half-width in a forecast (the stop rule's measure: every target within ±r). */
export function widestHalfWidth<K extends 'halfWidthNow' | 'halfWidthAfter'>(targets: readonly Record<K, number>[], key: K): number {
  return Math.max(...targets.map((t) => t[key]));
}

export function configText(config: Record<string, number>): string {
  return Object.entries(config).map(([k, v]) => `${k}=${sci(v, 1)}`).join(' ');
}

export function percent(part: number, total: number): string {
  return total > 0 ? `${((100 * part) / total).toFixed(1)}%` : '-';
}

/** Half the interval's width relative to the estimate, e.g. "±1.8%". */
export function relativeHalfWidth(t: { loss: number | null; lower: number | null; upper: number | null }): number | null {
  if (t.loss == null || t.lower == null || t.upper == null || !(t.loss > 0)) return null;
  return (t.upper - t.lower) / 2 / t.loss;
}

export function targetText(t: { config: Record<string, number>; loss: number | null; lower: number | null; upper: number | null }): string {
  if (t.loss == null) return `${configText(t.config)}: no fit yet`;
  const rel = relativeHalfWidth(t);
  return `${configText(t.config)}: ${t.loss.toFixed(4)} [${t.lower?.toFixed(4)}, ${t.upper?.toFixed(4)}]${rel !== null ? ` ±${(100 * rel).toFixed(2)}%` : ''}`;
}

/** Left-aligned text table. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
