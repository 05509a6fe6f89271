import { Injectable } from '@nestjs/common';
import type { SweepSpec } from '@lawsweep/contracts';
import { createSweepEngine, type SweepEngine } from '@lawsweep/design';
import type { Config, FitResult } from '@lawsweep/law';
import { SweepReader, SweepStore, type ObservationRecord, type SweepRecord } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';

/** The last fit of a sweep: for which store version, when it started, how long it took. */
export interface CachedFit {
  version: number;
  fit: FitResult | undefined;
  startedAt: number;
  ms: number;
}

/**
 * One SweepEngine per sweep (building candidates and the law is not free, and a spec changes
 * only by an update, which bumps its revision), plus the last fit per sweep keyed by the store's version counter, so a plan that
 * follows a fit of the same data does not fit again (nor, while runs are in flight, sooner than the
 * refit spacing allows: usableFit); and what a plan pass reads that only grows
 * (observations, known config keys), read incrementally: re-reading and parsing all of them every
 * pass made each pass O(runs so far) in Redis and in the planner (bench/load.bench.ts).
 */
@Injectable()
export class EngineCacheService {
  private readonly engines = new Map<string, { engine: SweepEngine; revision: number }>();
  private readonly fits = new Map<string, CachedFit>();
  private readonly observationLists = new Map<string, ObservationRecord[]>();
  private readonly configKeys = new Map<string, { keys: Set<string>; released: number }>();
  /** Config of every run in flight per sweep (a run's config never changes). */
  private readonly activeConfigs = new Map<string, Map<string, Config>>();

  constructor(
    private readonly store: SweepStore,
    private readonly reader: SweepReader,
    private readonly config: PlannerConfig,
  ) {}

  /** The sweep's engine, built again when its spec changed (PATCH /sweeps/:id bumps specRevision), here or on another replica. */
  engine(sweep: SweepRecord): SweepEngine {
    const cached = this.engines.get(sweep.id);
    if (cached && cached.revision === sweep.specRevision) return cached.engine;
    const engine = this.buildEngine(sweep.spec);
    this.engines.set(sweep.id, { engine, revision: sweep.specRevision });
    return engine;
  }

  /** A design engine for a sweep spec, as the planner plans with it (forecasts build one per budget asked). */
  buildEngine(spec: SweepSpec): SweepEngine {
    return createSweepEngine(spec, { design: spec.design, seed: spec.seed, pool: Array.isArray(spec.candidates) ? spec.candidates : undefined });
  }

  cachedFit(sweepId: string, version: number): { fit: FitResult | undefined } | undefined {
    const c = this.fits.get(sweepId);
    return c && c.version === version ? { fit: c.fit } : undefined;
  }

  /** The last fit whatever data it saw (the refit spacing decides whether it is fresh enough). */
  lastFit(sweepId: string): CachedFit | undefined {
    return this.fits.get(sweepId);
  }

  /**
   * The fit a plan pass can use without fitting again: the one of the sweep's store version; or,
   * while runs are in flight, the last one, until `refitSpacing` durations of it have passed since
   * it started (a flood of results then costs a bounded share of a core in fits; see
   * LAWSWEEP_REFIT_SPACING), with `refitDueInMs` saying when. Undefined: fit now.
   */
  usableFit(sweep: SweepRecord): { fit: FitResult | undefined; refitDueInMs?: number } | undefined {
    const cached = this.cachedFit(sweep.id, sweep.version);
    if (cached) return { fit: cached.fit };
    const last = this.lastFit(sweep.id);
    if (last?.fit && sweep.runs.queued + sweep.runs.running > 0 && this.config.refitSpacing > 0) {
      const dueInMs = last.startedAt + this.config.refitSpacing * last.ms - Date.now();
      if (dueInMs > 0) return { fit: last.fit, refitDueInMs: Math.ceil(dueInMs) };
    }
    return undefined;
  }

  rememberFit(sweepId: string, version: number, fit: FitResult | undefined, startedAt = Date.now(), ms = 0): void {
    this.fits.set(sweepId, { version, fit, startedAt, ms });
  }

  /**
   * Every observation of the sweep: the cached ones plus the list's new tail (the list is
   * append-only). A copy, so a caller that keeps it is not changed by later reads.
   */
  async observations(sweepId: string): Promise<ObservationRecord[]> {
    const list = this.observationLists.get(sweepId) ?? [];
    // A loop, not push(...tail): a restarted planner reads a big sweep's whole list at once, and
    // spreading ~10^5 arguments overflows the stack.
    for (const o of await this.reader.observationsFrom(sweepId, list.length)) list.push(o);
    this.observationLists.set(sweepId, list);
    return list.slice();
  }

  /**
   * The config keys the sweep knows, kept by the caller as it reserves more. The configs hash grows
   * (reservations, imports) except when a resume gives a failure streak's configs back, which
   * bumps a counter; the cache only holds keys read from it or reserved in it, so an equal count
   * and counter mean the same set; anything else (an import, another replica's plan, a release,
   * or a release and an import of as many runs) reloads it.
   */
  async knownConfigKeys(sweepId: string): Promise<Set<string>> {
    const cached = this.configKeys.get(sweepId);
    const stamp = await this.reader.knownConfigStamp(sweepId);
    if (cached && cached.keys.size === stamp.count && cached.released === stamp.released) return cached.keys;
    const fresh = await this.reader.knownConfigKeys(sweepId);
    this.configKeys.set(sweepId, { keys: fresh, released: stamp.released });
    return fresh;
  }

  /**
   * The configs of the runs in flight: the active set's ids, and a run's hash read only the first
   * time its id is seen (reading all of them every pass was ~4 HGETALLs per run under load).
   */
  async activeRunConfigs(sweepId: string): Promise<Config[]> {
    const ids = await this.store.activeRunIds(sweepId);
    const before = this.activeConfigs.get(sweepId) ?? new Map<string, Config>();
    const now = new Map<string, Config>();
    const unseen = ids.filter((id) => !before.has(id));
    const fetched = new Map((await this.reader.getRuns(unseen)).map((r) => [r.id, r.config]));
    for (const id of ids) {
      const config = before.get(id) ?? fetched.get(id);
      if (config) now.set(id, config); // a run recorded between the two reads is no longer in flight
    }
    this.activeConfigs.set(sweepId, now);
    return [...now.values()];
  }

  /** Tells the cache about runs this planner just reserved and enqueued, so the next pass need not read them. */
  rememberActive(sweepId: string, runs: { runId: string; config: Config }[]): void {
    const map = this.activeConfigs.get(sweepId) ?? new Map<string, Config>();
    for (const r of runs) map.set(r.runId, r.config);
    this.activeConfigs.set(sweepId, map);
  }

  /** The sweeps this cache holds anything of (SweepCachesService drops those gone from the store). */
  sweepIds(): Set<string> {
    return new Set([...this.engines.keys(), ...this.fits.keys(), ...this.observationLists.keys(), ...this.configKeys.keys(), ...this.activeConfigs.keys()]);
  }

  forget(sweepId: string): void {
    this.activeConfigs.delete(sweepId);
    this.engines.delete(sweepId);
    this.fits.delete(sweepId);
    this.observationLists.delete(sweepId);
    this.configKeys.delete(sweepId);
  }
}
