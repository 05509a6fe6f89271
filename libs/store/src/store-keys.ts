/** Where a store's keys live. */
export interface StoreKeyOptions {
  /** Prefix of every key, so tests and several deployments can share one Redis. */
  prefix?: string;
}

/**
 * The names of the store's keys. Layout under the prefix: `sweeps` (zset by creation time),
 * `sweep:<id>` (hash: spec, state, budget counters, fit summary), `sweep:<id>:runs` (list of run ids),
 * `:active` (set of runs in flight), `:configs` (hash config key -> run id), `:obs` (list of
 * {runId, config, loss}), `:history`, `:streak` (the current failure streak's reason summaries),
 * `:streakRuns` (its run ids), `:failures` (hash reason summary -> count), `run:<id>` (hash),
 * `run:<id>:curve` (list of points), `lock:sweep:<id>` (PlanLock), `notify-outbox` (hash: messages of state changes
 * not yet queued for the webhook), `sweeps:deleting` (set: sweeps whose deletion began and has not
 * finished; see SweepDeletionStore), `sweeps:deleted-jobs` (set: queue jobs of deleted sweeps still to
 * remove). The scripts build `run:<id>` from the prefix themselves: a change here is one there too.
 */
export class StoreKeys {
  readonly prefix: string;

  constructor(options: StoreKeyOptions = {}) {
    this.prefix = options.prefix ?? 'lawsweep:';
  }

  sweep(id: string, sub?: string): string {
    return sub ? this.key('sweep', id, sub) : this.key('sweep', id);
  }
  run(id: string, sub?: string): string {
    return sub ? this.key('run', id, sub) : this.key('run', id);
  }
  lock(name: string): string {
    return this.key('lock', name);
  }
  get sweeps(): string {
    return this.key('sweeps');
  }
  get deleting(): string {
    return this.key('sweeps', 'deleting');
  }
  get heldJobs(): string {
    return this.key('sweeps', 'deleted-jobs');
  }
  get notifyOutbox(): string {
    return this.key('notify-outbox');
  }

  private key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }
}
