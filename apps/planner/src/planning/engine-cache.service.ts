import { Injectable } from '@nestjs/common';
import { createSweepEngine, type SweepEngine } from '@lawsweep/design';
import type { FitResult } from '@lawsweep/law';
import type { SweepRecord } from '@lawsweep/store';

/**
 * One SweepEngine per sweep (building candidates and the law is not free, and a spec never
 * changes), plus the last fit per sweep keyed by the store's version counter, so a plan that
 * follows a fit of the same data does not fit again.
 */
@Injectable()
export class EngineCacheService {
  private readonly engines = new Map<string, SweepEngine>();
  private readonly fits = new Map<string, { version: number; fit: FitResult | undefined }>();

  engine(sweep: SweepRecord): SweepEngine {
    let engine = this.engines.get(sweep.id);
    if (!engine) {
      const spec = sweep.spec;
      engine = createSweepEngine(spec, {
        design: spec.design,
        seed: spec.seed,
        pool: Array.isArray(spec.candidates) ? spec.candidates : undefined,
      });
      this.engines.set(sweep.id, engine);
    }
    return engine;
  }

  cachedFit(sweepId: string, version: number): { fit: FitResult | undefined } | undefined {
    const c = this.fits.get(sweepId);
    return c && c.version === version ? { fit: c.fit } : undefined;
  }

  rememberFit(sweepId: string, version: number, fit: FitResult | undefined): void {
    this.fits.set(sweepId, { version, fit });
  }

  forget(sweepId: string): void {
    this.engines.delete(sweepId);
    this.fits.delete(sweepId);
  }
}
