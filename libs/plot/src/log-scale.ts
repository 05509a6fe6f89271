/** A tick on a log axis: its value and the label to print. */
export interface LogTick {
  value: number;
  label: string;
  /** Decade ticks (10^k) get a stronger grid line. */
  major: boolean;
}

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 10^k written with Unicode superscripts, which every SVG renderer (and resvg) draws without tspans. */
export function powerOfTenLabel(k: number): string {
  return `10${String(k).split('').map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/**
 * Maps positive values to pixels on a log axis. Scaling-law data span 1e15–1e25 FLOPs on x but often
 * less than one decade of loss on y, so ticks are decades when the domain spans two or more, and
 * 1-2-5 style mantissas (or finer) inside a decade otherwise.
 */
export class LogScale {
  readonly lo: number;
  readonly hi: number;

  constructor(
    domain: [number, number],
    private readonly range: [number, number],
  ) {
    let [lo, hi] = domain;
    if (!(lo > 0 && hi > 0 && Number.isFinite(lo) && Number.isFinite(hi))) throw new Error(`LogScale: domain must be finite and positive, got [${lo}, ${hi}]`);
    if (hi < lo) [lo, hi] = [hi, lo];
    // A degenerate domain (one value) still needs some width to draw.
    if (hi / lo < 1.01) [lo, hi] = [lo / 1.1, hi * 1.1];
    this.lo = lo;
    this.hi = hi;
  }

  /** A domain around the values with `pad` (a fraction of the log span) on each side. */
  static padded(values: readonly number[], range: [number, number], pad = 0.05): LogScale {
    const pos = values.filter((v) => v > 0 && Number.isFinite(v));
    if (pos.length === 0) return new LogScale([1, 10], range);
    const lo = Math.log10(pos.reduce((m, v) => Math.min(m, v), Infinity)); // no spread: values may be many
    const hi = Math.log10(pos.reduce((m, v) => Math.max(m, v), -Infinity));
    const span = Math.max(hi - lo, 0.02);
    return new LogScale([10 ** (lo - pad * span), 10 ** (hi + pad * span)], range);
  }

  map(v: number): number {
    const t = (Math.log10(v) - Math.log10(this.lo)) / (Math.log10(this.hi) - Math.log10(this.lo));
    return this.range[0] + t * (this.range[1] - this.range[0]);
  }

  contains(v: number): boolean {
    return v >= this.lo * (1 - 1e-12) && v <= this.hi * (1 + 1e-12);
  }

  ticks(maxTicks = 8): LogTick[] {
    const kLo = Math.ceil(Math.log10(this.lo) - 1e-9);
    const kHi = Math.floor(Math.log10(this.hi) + 1e-9);
    const decades = kHi - kLo + 1;
    if (Math.log10(this.hi / this.lo) >= 2 && decades >= 2) {
      const step = Math.max(1, Math.ceil(decades / maxTicks));
      const out: LogTick[] = [];
      for (let k = kLo; k <= kHi; k += step) out.push({ value: 10 ** k, label: powerOfTenLabel(k), major: true });
      return out;
    }
    // Inside about a decade: the densest mantissa set that still gives at most maxTicks ticks.
    const mantissaSets = [
      [1, 1.2, 1.4, 1.6, 1.8, 2, 2.2, 2.4, 2.6, 2.8, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9],
      [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9],
      [1, 2, 3, 4, 5, 6, 8],
      [1, 2, 5],
      [1],
    ];
    const eLo = Math.floor(Math.log10(this.lo)) - 1;
    const eHi = Math.ceil(Math.log10(this.hi));
    for (const set of mantissaSets) {
      const values: number[] = [];
      for (let e = eLo; e <= eHi; e++) for (const m of set) values.push(Number((m * 10 ** e).toPrecision(6)));
      const inside = values.filter((v) => this.contains(v));
      if (inside.length <= maxTicks && inside.length >= 2) {
        return inside.map((v) => ({ value: v, label: formatPlain(v), major: Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9 }));
      }
    }
    return [this.lo, this.hi].map((v) => ({ value: v, label: formatPlain(v), major: false }));
  }
}

/** A short label for a tick inside a decade: 2.5, 0.3, 40, 1.2e-5. */
export function formatPlain(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(1).replace('.0e', 'e').replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}
