import type { Config, Law } from '@lawsweep/law';
import type { Posterior } from './posterior';

/**
 * Expected information gain of candidate runs under the linearised Gaussian model, for a batch
 * picked greedily. Hand-written rather than ml-matrix: every quantity is a p-vector (p ≤ ~10) per
 * candidate and mode, updated by rank-one steps, and allocation-free loops keep a batch of 8 from
 * 2,000 candidates in a few milliseconds.
 *
 * - `parameters`: ½ log(1 + jᵀΣj/σ²) per mode, weighted — the D-optimal gain ½ log det(I + JΣJᵀ/σ²)
 *   accumulated one run at a time.
 * - `targeted` (default): for each target quantity τ (a target's log-loss, or log N*(C)) with
 *   gradient g, the mixture variance V = Σₘ wₘ gₘᵀΣₘgₘ + v_between; a run x lowers each mode's
 *   part by (gᵀΣj)²/(σ² + jᵀΣj) and the between-mode part (a rank-M factor model of the modes'
 *   disagreement, u_m(x) = √wₘ (μₘ(x) − μ̄(x))) the same way. Gain = Σ_τ ½ log(V/V'), the
 *   entropy reduction of the moment-matched target posterior: runs where the modes disagree, in the
 *   way that matters at the target, resolve which mode is right.
 */
export type GainKind = 'targeted' | 'parameters';

/** A target quantity: writes dτ/dθ into grad and returns τ(θ). */
export type TargetFunction = (theta: Float64Array, grad: Float64Array) => number;

export function lossTarget(law: Law, config: Config): TargetFunction {
  return (theta, grad) => law.logLossGrad(theta, config, grad);
}

interface ModeState {
  weight: number;
  /** θ's dimension. */
  dim: number;
  cov: Float64Array;
  /** Per candidate: Jacobian row j (n × p) and Σj (n × p). */
  jac: Float64Array;
  sj: Float64Array;
  /** Per target: gradient g (T × p) and current variance gᵀΣg. */
  g: Float64Array;
  targetVar: Float64Array;
  /** Per target, per candidate: gᵀΣj (T × n). */
  gsj: Float64Array;
}

export class GainModel {
  readonly size: number;
  /** Observation variance of a run's log-loss: σ². */
  private readonly noise: number;
  private readonly modes: ModeState[];
  /** Between-mode factor model: rows u (n × M), target rows (T × M), covariance P (M × M). */
  private readonly m: number;
  private readonly u: Float64Array;
  private readonly ut: Float64Array;
  private readonly pcov: Float64Array;

  constructor(
    private readonly law: Law,
    posterior: Posterior,
    candidates: Config[],
    targets: TargetFunction[],
    private readonly kind: GainKind = 'targeted',
  ) {
    const n = (this.size = candidates.length);
    const nt = targets.length;
    this.noise = posterior.sigma * posterior.sigma;
    const means: Float64Array[] = [];
    const targetMeans: Float64Array[] = [];
    this.modes = posterior.modes.map((mode) => {
      const p = mode.theta.length;
      const jac = new Float64Array(n * p);
      const mean = new Float64Array(n);
      const row = new Float64Array(p);
      for (let c = 0; c < n; c++) {
        const v = law.logLossGrad(mode.theta, candidates[c], row);
        const ok = Number.isFinite(v) && row.every(Number.isFinite);
        mean[c] = ok ? v : NaN;
        if (ok) jac.set(row, c * p);
      }
      const g = new Float64Array(nt * p);
      const tmean = new Float64Array(nt);
      for (let t = 0; t < nt; t++) {
        tmean[t] = targets[t](mode.theta, row);
        if (row.every(Number.isFinite)) g.set(row, t * p);
      }
      means.push(mean);
      targetMeans.push(tmean);
      const state: ModeState = { weight: mode.weight, dim: p, cov: Float64Array.from(mode.covariance), jac, sj: new Float64Array(n * p), g, targetVar: new Float64Array(nt), gsj: new Float64Array(nt * n) };
      this.refresh(state);
      return state;
    });
    this.m = this.modes.length > 1 ? this.modes.length : 0;
    this.u = new Float64Array(n * this.m);
    this.ut = new Float64Array(nt * this.m);
    this.pcov = new Float64Array(this.m * this.m);
    if (this.m > 0) {
      for (let k = 0; k < this.m; k++) this.pcov[k * this.m + k] = 1;
      const fill = (out: Float64Array, values: Float64Array[], count: number) => {
        for (let c = 0; c < count; c++) {
          let bar = 0;
          this.modes.forEach((mode, k) => (bar += mode.weight * values[k][c]));
          this.modes.forEach((mode, k) => {
            const d = Math.sqrt(mode.weight) * (values[k][c] - bar);
            out[c * this.m + k] = Number.isFinite(d) ? d : 0;
          });
        }
      };
      fill(this.u, means, n);
      fill(this.ut, targetMeans, nt);
    }
  }

  /** Recomputes Σj, gᵀΣj and gᵀΣg of a mode from its covariance. */
  private refresh(s: ModeState): void {
    const p = s.dim;
    const nt = s.targetVar.length;
    for (let c = 0; c < this.size; c++) {
      for (let r = 0; r < p; r++) {
        let acc = 0;
        for (let k = 0; k < p; k++) acc += s.cov[r * p + k] * s.jac[c * p + k];
        s.sj[c * p + r] = acc;
      }
      for (let t = 0; t < nt; t++) {
        let acc = 0;
        for (let r = 0; r < p; r++) acc += s.g[t * p + r] * s.sj[c * p + r];
        s.gsj[t * this.size + c] = acc;
      }
    }
    for (let t = 0; t < nt; t++) {
      let acc = 0;
      for (let r = 0; r < p; r++) for (let k = 0; k < p; k++) acc += s.g[t * p + r] * s.cov[r * p + k] * s.g[t * p + k];
      s.targetVar[t] = Math.max(acc, 0);
    }
  }

  /** jᵀΣj of candidate c in mode s. */
  private quad(s: ModeState, c: number): number {
    let q = 0;
    for (let r = 0; r < s.dim; r++) q += s.jac[c * s.dim + r] * s.sj[c * s.dim + r];
    return Math.max(q, 0);
  }

  /** Between-mode: u(c)ᵀPu(c) and u(t)ᵀPu(c). */
  private betweenTerms(c: number, t: number): [number, number] {
    const m = this.m;
    let q = 0;
    let s = 0;
    for (let a = 0; a < m; a++) {
      let pu = 0;
      for (let b = 0; b < m; b++) pu += this.pcov[a * m + b] * this.u[c * m + b];
      q += this.u[c * m + a] * pu;
      if (t >= 0) s += this.ut[t * m + a] * pu;
    }
    return [Math.max(q, 0), s];
  }

  private betweenTargetVar(t: number): number {
    const m = this.m;
    let v = 0;
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) v += this.ut[t * m + a] * this.pcov[a * m + b] * this.ut[t * m + b];
    return Math.max(v, 0);
  }

  /** Expected information gain (nats) of each candidate, given everything conditioned on so far. */
  gains(): Float64Array {
    const n = this.size;
    const out = new Float64Array(n);
    const nt = this.modes[0]?.targetVar.length ?? 0;
    const noise = this.noise;
    for (let c = 0; c < n; c++) {
      if (this.kind === 'parameters' || nt === 0) {
        let g = 0;
        for (const s of this.modes) g += s.weight * 0.5 * Math.log1p(this.quad(s, c) / noise);
        if (this.m > 0) g += 0.5 * Math.log1p(this.betweenTerms(c, -1)[0] / noise);
        out[c] = g;
        continue;
      }
      let within = 0;
      for (const s of this.modes) within += s.weight * this.quad(s, c);
      let total = 0;
      for (let t = 0; t < nt; t++) {
        let withinVar = 0;
        let withinReduction = 0;
        for (const s of this.modes) {
          const q = this.quad(s, c);
          const gs = s.gsj[t * n + c];
          withinVar += s.weight * s.targetVar[t];
          withinReduction += (s.weight * gs * gs) / (noise + q);
        }
        let between = 0;
        let betweenReduction = 0;
        if (this.m > 0) {
          const [qb, sb] = this.betweenTerms(c, t);
          between = this.betweenTargetVar(t);
          // A run tells the modes apart only through noise plus the within-mode spread of its prediction.
          betweenReduction = (sb * sb) / (noise + within + qb);
        }
        // The entropy reduction of the moment-matched target posterior.
        const v = withinVar + between;
        const after = Math.max(v - withinReduction - betweenReduction, v * 1e-12);
        total += v > 0 ? 0.5 * Math.log(v / after) : 0;
      }
      out[c] = Number.isFinite(total) ? total : 0;
    }
    return out;
  }

  /** Condition on candidate c being run (picked or pending): rank-one updates of every mode and of P. */
  condition(c: number): void {
    const n = this.size;
    for (const s of this.modes) {
      const p = s.dim;
      const a = s.sj.slice(c * p, (c + 1) * p);
      const denom = this.noise + this.quad(s, c);
      for (let r = 0; r < p; r++) for (let k = 0; k < p; k++) s.cov[r * p + k] -= (a[r] * a[k]) / denom;
      // Σ'j = Σj − a (aᵀj)/denom for every candidate; gᵀΣ'j likewise.
      const nt = s.targetVar.length;
      const ga = new Float64Array(nt);
      for (let t = 0; t < nt; t++) for (let r = 0; r < p; r++) ga[t] += s.g[t * p + r] * a[r];
      for (let x = 0; x < n; x++) {
        let aj = 0;
        for (let r = 0; r < p; r++) aj += a[r] * s.jac[x * p + r];
        const f = aj / denom;
        if (f === 0) continue;
        for (let r = 0; r < p; r++) s.sj[x * p + r] -= a[r] * f;
        for (let t = 0; t < nt; t++) s.gsj[t * n + x] -= ga[t] * f;
      }
      for (let t = 0; t < nt; t++) s.targetVar[t] = Math.max(s.targetVar[t] - (ga[t] * ga[t]) / denom, 0);
    }
    if (this.m > 0) {
      const m = this.m;
      let within = 0;
      for (const s of this.modes) within += s.weight * this.quad(s, c);
      const pu = new Float64Array(m);
      let q = 0;
      for (let a = 0; a < m; a++) {
        for (let b = 0; b < m; b++) pu[a] += this.pcov[a * m + b] * this.u[c * m + b];
        q += this.u[c * m + a] * pu[a];
      }
      const denom = this.noise + within + q;
      for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) this.pcov[a * m + b] -= (pu[a] * pu[b]) / denom;
    }
  }

  /** Total mixture variance of each target quantity (for tests and diagnostics). */
  targetVariances(): number[] {
    const nt = this.modes[0]?.targetVar.length ?? 0;
    const out: number[] = [];
    for (let t = 0; t < nt; t++) {
      let v = this.m > 0 ? this.betweenTargetVar(t) : 0;
      for (const s of this.modes) v += s.weight * s.targetVar[t];
      out.push(v);
    }
    return out;
  }

  /** A mode's current covariance (copy), for tests. */
  covariance(mode = 0): Float64Array {
    return Float64Array.from(this.modes[mode].cov);
  }

  get lawName(): string {
    return this.law.name;
  }
}
