import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import type { ProgressView } from './progress-view';
import { summarise } from './progress-summary';

/**
 * Plain lines for pipes, CI logs and files: one line each time something changed (a run finished,
 * a refit), never carriage returns. With `json`, one JSON object per line instead.
 */
export class LineProgressView implements ProgressView {
  private last = '';

  constructor(
    private readonly write: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
    private readonly json = false,
  ) {}

  update(sweep: SweepView, history: HistoryPoint[]): void {
    if (this.json) {
      const line = JSON.stringify({ id: sweep.id, state: sweep.state, budget: sweep.budget, runs: sweep.runs, targets: sweep.targets });
      if (line !== this.last) this.write(line);
      this.last = line;
      return;
    }
    const s = summarise(sweep, history);
    const line = `${s.state.padEnd(9)} ${s.budget} | ${s.runs} | ${s.target}`;
    // The time left moves on every poll: it rides along when something else changed, not on its own.
    if (line !== this.last) this.write(`[${new Date().toISOString().slice(11, 19)}] ${line}${s.timeLeft ? ` | ${s.timeLeft}` : ''}`);
    this.last = line;
  }

  stop(): void {
    // Nothing to restore: lines were written as they came.
  }
}
