import { Injectable } from '@nestjs/common';
import type { SweepRecord } from '@lawsweep/store';
import { EngineCacheService } from '../planning/engine-cache.service';
import { specLaw } from '@lawsweep/design';

export interface FrontierPoint {
  compute: number;
  config: Record<string, number>;
  loss: number;
}

/**
 * The compute-optimal frontier of the current fit: for each compute level, the config of least
 * predicted loss among those costing exactly that much. Done for two-variable spaces (N and D): the
 * first variable is scanned on a log grid and the second solved from the cost by bisection, which
 * works for any monotone cost expression, not just 6ND.
 */
@Injectable()
export class FrontierService {
  constructor(private readonly engines: EngineCacheService) {}

  frontier(sweep: SweepRecord): FrontierPoint[] | null {
    const fit = sweep.fit;
    const vars = Object.keys(sweep.spec.variables);
    if (!fit || vars.length !== 2) return null;
    try {
      const law = specLaw(sweep.spec);
      const theta = law.toTheta(fit.params);
      const engine = this.engines.engine(sweep);
      const [a, b] = vars;
      const va = sweep.spec.variables[a];
      const vb = sweep.spec.variables[b];
      const targetCosts = sweep.spec.targets.map((t) => engine.costOf(t));
      const levels = sweep.spec.targetCompute ?? logGrid(engine.costOf({ [a]: va.min, [b]: vb.min }), Math.max(...targetCosts), 8);
      return levels.map((compute) => {
        let best: FrontierPoint | undefined;
        for (const x of logGrid(va.min / 1e3, va.max * 1e3, 241)) {
          const y = solve((v) => engine.costOf({ [a]: x, [b]: v }), compute, vb.min / 1e6, vb.max * 1e6);
          if (y === undefined) continue;
          const config = { [a]: x, [b]: y };
          const loss = Math.exp(law.logLoss(theta, config));
          if (Number.isFinite(loss) && (!best || loss < best.loss)) best = { compute, config, loss };
        }
        return best ?? { compute, config: {}, loss: NaN };
      });
    } catch {
      return null;
    }
  }
}

function logGrid(lo: number, hi: number, n: number): number[] {
  if (!(lo > 0 && hi > lo)) return [lo];
  return Array.from({ length: n }, (_, i) => Math.exp(Math.log(lo) + ((Math.log(hi) - Math.log(lo)) * i) / (n - 1)));
}

/** Bisection in log space for f(v) = target, f increasing in v. */
function solve(f: (v: number) => number, target: number, lo: number, hi: number): number | undefined {
  if (!(f(lo) <= target && f(hi) >= target)) return undefined;
  let l = Math.log(lo);
  let h = Math.log(hi);
  for (let i = 0; i < 60; i++) {
    const m = (l + h) / 2;
    if (f(Math.exp(m)) < target) l = m;
    else h = m;
  }
  return Math.exp((l + h) / 2);
}
