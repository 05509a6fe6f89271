/** What `bootstrapPlanner` accepts: CLI flags and test overrides, on top of the environment. */
export interface PlannerOptions {
  redisUrl?: string;
  port?: number;
  host?: string;
  token?: string;
  keyPrefix?: string;
  queuePrefix?: string;
  tickMs?: number;
  reconcileMs?: number;
  resultGraceMs?: number;
  planLockMs?: number;
  /** LAWSWEEP_REFIT_SPACING: refit at most once per this many fit-durations while runs are in flight. */
  refitSpacing?: number;
  /** LAWSWEEP_KEEP_COMPLETED_MS: how long recorded completed run jobs stay in Redis. */
  keepCompletedMs?: number;
  /** Require the token on reads too (LAWSWEEP_PROTECT_READS). */
  protectReads?: boolean;
  /** LAWSWEEP_NOTIFY_URL: the webhook told when a sweep ends or the circuit breaker pauses it. */
  notifyUrl?: string;
  /** LAWSWEEP_METRICS_ENDED_SWEEP_HOURS: hours after its end that /metrics drops an ended sweep's series. */
  metricsEndedSweepHours?: number;
  /** Listen on the port (default true); tests may use the app without a socket. */
  listen?: boolean;
  /**
   * Close on SIGINT/SIGTERM (default true). `lawsweep demo` turns it off: it runs the planner in
   * its own process and shuts it down itself, after cancelling its sweep.
   */
  shutdownHooks?: boolean;
  /** Nest logger levels; default: log, warn, error. */
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/** Maps options to the environment variable names the config schema validates. */
export function optionsToEnv(o: PlannerOptions): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (k: string, v: string | number | undefined) => {
    if (v !== undefined) env[k] = String(v);
  };
  put('REDIS_URL', o.redisUrl);
  put('PORT', o.port);
  put('HOST', o.host);
  put('LAWSWEEP_TOKEN', o.token);
  put('LAWSWEEP_KEY_PREFIX', o.keyPrefix);
  put('LAWSWEEP_QUEUE_PREFIX', o.queuePrefix);
  put('LAWSWEEP_TICK_MS', o.tickMs);
  put('LAWSWEEP_RECONCILE_MS', o.reconcileMs);
  put('LAWSWEEP_RESULT_GRACE_MS', o.resultGraceMs);
  put('LAWSWEEP_PLAN_LOCK_MS', o.planLockMs);
  put('LAWSWEEP_REFIT_SPACING', o.refitSpacing);
  put('LAWSWEEP_KEEP_COMPLETED_MS', o.keepCompletedMs);
  put('LAWSWEEP_PROTECT_READS', o.protectReads === undefined ? undefined : String(o.protectReads));
  put('LAWSWEEP_NOTIFY_URL', o.notifyUrl);
  put('LAWSWEEP_METRICS_ENDED_SWEEP_HOURS', o.metricsEndedSweepHours);
  return env;
}
