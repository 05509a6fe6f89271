import type { HistoryPoint, SweepView } from '../client/planner-api.types';

/** How `sweep watch` and `demo` show a sweep while it runs: live bars on a TTY, lines otherwise. */
export interface ProgressView {
  update(sweep: SweepView, history: HistoryPoint[]): void;
  stop(): void;
}
