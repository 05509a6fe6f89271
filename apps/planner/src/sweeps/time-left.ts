import { estimateTimeLeft, TIME_LEFT_WINDOW_MS, type SpendWindow, type TimeLeft } from '@lawsweep/contracts';
import { Injectable } from '@nestjs/common';
import { SweepReader, type SweepRecord } from '@lawsweep/store';

/** How long a read spend window is reused: the oldest point of an hour's window moves slowly. */
const WINDOW_TTL_MS = 2_000;

/**
 * Each running sweep's spend window, read at most once per WINDOW_TTL_MS: GET /sweeps (polled by
 * every open dashboard) and every /metrics scrape ask for all of them, and each read is a script
 * call on the Redis the planner plans with. The estimate itself is made fresh from the sweep's
 * counts on every ask, so it stays consistent with what the same answer says was spent. One per
 * planner, shared by the REST API and the metrics.
 */
@Injectable()
export class TimeLeftReader {
  private readonly windows = new Map<string, { readAt: number; window: SpendWindow | undefined }>();

  constructor(private readonly reader: SweepReader) {}

  /**
   * How long a running sweep has left at the last hour's pace (libs/contracts estimateTimeLeft):
   * GET /sweeps/:id's `timeLeft` and the lawsweep_sweep_time_left_seconds gauge. Undefined for a
   * sweep that is not running or has no measured pace; an estimate is a nicety, so a history it
   * cannot read leaves it out rather than fail the read.
   */
  async timeLeft(sweep: SweepRecord, now = Date.now()): Promise<TimeLeft | undefined> {
    if (sweep.state !== 'running') {
      this.windows.delete(sweep.id);
      return undefined;
    }
    let cached = this.windows.get(sweep.id);
    if (!cached || now - cached.readAt > WINDOW_TTL_MS || now < cached.readAt) {
      const window = await this.reader.spendWindow(sweep.id, now - TIME_LEFT_WINDOW_MS).catch(() => undefined);
      cached = { readAt: now, window };
      this.windows.set(sweep.id, cached);
      if (this.windows.size > 10_000) this.prune(now);
    }
    const inFlight = sweep.runs.queued + sweep.runs.running;
    const runsLeft = sweep.maxRuns > 0 ? sweep.maxRuns - sweep.planned + inFlight : undefined;
    // Counted by the last plan pass under this spec (an update of budget or space makes it stale).
    const { untried } = sweep;
    const candidatesLeft = untried && untried.specRevision === sweep.specRevision ? { spend: sweep.reserved + untried.cost, runs: inFlight + untried.count } : undefined;
    return estimateTimeLeft(cached.window, { spent: sweep.spent, budget: sweep.budget, results: sweep.runs.done, runsLeft, candidatesLeft }, now);
  }

  /** Drops a sweep's window (the sweep was deleted). */
  forget(sweepId: string): void {
    this.windows.delete(sweepId);
  }

  /** The sweeps a window is kept for. */
  sweepIds(): string[] {
    return [...this.windows.keys()];
  }

  private prune(now: number): void {
    for (const [id, entry] of this.windows) if (now - entry.readAt > WINDOW_TTL_MS) this.windows.delete(id);
  }
}
