// Math functions bound once: under Jest's vm sandbox every global lookup of `Math` is ~30x slower.
const { abs, log, sqrt } = Math;

/**
 * Dense linear algebra for the small (k ≤ ~10) symmetric systems of the fitter, on flat
 * Float64Arrays. Hand-written because the fitter calls it tens of thousands of times per fit:
 * ml-matrix allocates a Matrix object per call, which costs more than the k³/6 flops themselves.
 */

/** In-place Cholesky of a k × k SPD matrix (row-major, lower triangle written). False if not SPD. */
export function choleskyInPlace(a: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let d = a[j * k + j];
    for (let p = 0; p < j; p++) d -= a[j * k + p] * a[j * k + p];
    if (!(d > 0) || !Number.isFinite(d)) return false;
    const ljj = sqrt(d);
    a[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = a[i * k + j];
      for (let p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L Lᵀ x = b in place (b becomes x), given the factor from choleskyInPlace. */
export function choleskySolveInPlace(l: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= l[i * k + p] * b[p];
    b[i] = s / l[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < k; p++) s -= l[p * k + i] * b[p];
    b[i] = s / l[i * k + i];
  }
}

/**
 * Inverse of a symmetric positive-definite matrix given as rows; adds a growing ridge when the
 * matrix is numerically singular (the caller adds a prior, so this is a last resort).
 */
export function invertSpd(m: number[][]): number[][] {
  const k = m.length;
  let ridge = 0;
  for (let attempt = 0; attempt < 30; attempt++) {
    const a = new Float64Array(k * k);
    let trace = 0;
    for (let i = 0; i < k; i++) trace += abs(m[i][i]);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) a[i * k + j] = m[i][j] + (i === j ? ridge : 0);
    if (choleskyInPlace(a, k)) {
      const inv: number[][] = [];
      for (let c = 0; c < k; c++) {
        const e = new Float64Array(k);
        e[c] = 1;
        choleskySolveInPlace(a, k, e);
        inv.push(Array.from(e));
      }
      // Symmetrise (columns were solved independently).
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) inv[i][j] = inv[j][i] = 0.5 * (inv[i][j] + inv[j][i]);
      return inv;
    }
    ridge = ridge === 0 ? 1e-12 * (trace / k || 1) : ridge * 10;
  }
  throw new Error('invertSpd: matrix is not positive definite');
}

/** log det of an SPD matrix (via Cholesky); -Infinity if not SPD. */
export function logDetSpd(m: number[][]): number {
  const k = m.length;
  const a = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) a[i * k + j] = m[i][j];
  if (!choleskyInPlace(a, k)) return -Infinity;
  let s = 0;
  for (let i = 0; i < k; i++) s += 2 * log(a[i * k + i]);
  return s;
}

/** gᵀ M g for a vector g and a row-major matrix M. */
export function quadForm(m: number[][], g: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < g.length; i++) {
    let row = 0;
    for (let j = 0; j < g.length; j++) row += m[i][j] * g[j];
    s += g[i] * row;
  }
  return s;
}

/** Cartesian product of axes, last axis fastest. */
export function cartesian(axes: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const axis of axes) {
    const next: number[][] = [];
    for (const prefix of out) for (const v of axis) next.push([...prefix, v]);
    out = next;
  }
  return out;
}

/** start, start + step, ... up to and including stop (within rounding). */
export function range(start: number, stop: number, step: number): number[] {
  const out: number[] = [];
  for (let v = start; v <= stop + 1e-9 * abs(step); v += step) out.push(Math.round(v * 1e9) / 1e9);
  return out;
}
