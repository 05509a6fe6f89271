/** A worker as GET /workers gives it: its advert, whether it is live, and the runs it trains now. */
export interface WorkerView {
  id: string;
  pool: string;
  /** live: advert fresh (within WORKER_ADVERT_TTL_MS); draining: shutting down, takes no new runs; gone: advert stale (killed, or its node lost). */
  state: 'live' | 'draining' | 'gone';
  lastSeen: string;
  secondsSinceSeen: number;
  concurrency: number;
  busy: number;
  capacity: Record<string, number>;
  labels: Record<string, string>;
  /**
   * Run jobs this worker holds now (the run queue's active jobs). A killed worker's stay under its
   * name, gone, until a live worker of the pool finds them stalled and takes them back.
   */
  running: { sweepId: string; runId: string; config: Record<string, number>; startedAt: string | null }[];
}
