/**
 * Golden-section search for the minimum of a unimodal f on [lo, hi]: `iterations` shrinks of the
 * bracket by 0.618, one evaluation each; returns the final bracket's midpoint. Hand-written (a
 * dozen lines): the compute-optimal size and the design bound's line search both need it, and no
 * maintained JS package offers it alone.
 */
export function goldenSectionMin(f: (x: number) => number, lo: number, hi: number, iterations: number): number {
  const g = (Math.sqrt(5) - 1) / 2;
  let a = lo;
  let b = hi;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < iterations; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = f(d);
    }
  }
  return 0.5 * (a + b);
}
