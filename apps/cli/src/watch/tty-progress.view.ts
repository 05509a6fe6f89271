import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { HistoryPoint, SweepView } from '../client/planner-api.types';
import type { ProgressView } from './progress-view';
import { summarise } from './progress-summary';

/** Live bars (cli-progress) redrawn in place: budget burn, runs, the target and its interval. */
export class TtyProgressView implements ProgressView {
  private readonly multi: MultiBar;
  private readonly budget: SingleBar;
  private readonly runs: SingleBar;
  private readonly target: SingleBar;

  constructor(title: string, stream: NodeJS.WriteStream = process.stdout) {
    this.multi = new MultiBar(
      { stream, hideCursor: true, clearOnComplete: false, barsize: 28, format: ' {label} {text}', autopadding: true, forceRedraw: true },
      Presets.shades_classic,
    );
    stream.write(`${title}\n`);
    this.budget = this.multi.create(1000, 0, { label: 'budget', text: '' }, { format: ' {label} |{bar}| {text}' });
    this.runs = this.multi.create(1, 0, { label: 'runs  ', text: '' });
    this.target = this.multi.create(1, 0, { label: 'target', text: '' });
  }

  update(sweep: SweepView, history: HistoryPoint[]): void {
    const s = summarise(sweep, history);
    this.budget.update(Math.round(1000 * s.spentFraction), { label: 'budget', text: `${s.budget}  [${s.state}]${s.timeLeft ? `  ${s.timeLeft}` : ''}` });
    this.runs.update(0, { label: 'runs  ', text: s.runs.replace(/^runs /, '') });
    this.target.update(0, { label: 'target', text: `${s.target.replace(/^target /, '')}${s.narrowing ? `  (${s.narrowing})` : ''}` });
  }

  stop(): void {
    this.multi.stop();
  }
}
