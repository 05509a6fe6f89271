import type { CurvePoint } from '@lawsweep/contracts';

/**
 * A learning curve of at most `max` points that covers the whole run: when it is full every other
 * point is dropped and from then on only every 2nd (then 4th, ...) new point is kept; the latest point
 * is always reported. A trainer that logs every step (10^5–10^6 lines) would otherwise send that many
 * progress events and a result of megabytes (kept with its completed run job for an hour), and a plain cap
 * kept the first points and lost the end of the curve, the part that matters.
 */
export class BoundedCurve {
  private points: CurvePoint[] = [];
  private stride = 1;
  private seen = 0;
  private last?: CurvePoint;

  constructor(private readonly max = 2_000) {}

  /** Adds a point; true when it was kept (so worth sending as progress). */
  push(point: CurvePoint): boolean {
    this.last = point;
    if (this.seen++ % this.stride !== 0) return false;
    this.points.push(point);
    if (this.points.length > this.max) {
      this.points = this.points.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
    return true;
  }

  get length(): number {
    return this.points.length;
  }

  /** The kept points, and the latest one if it was not kept. */
  toArray(): CurvePoint[] {
    const out = [...this.points];
    if (this.last && out[out.length - 1] !== this.last) out.push(this.last);
    return out;
  }
}
