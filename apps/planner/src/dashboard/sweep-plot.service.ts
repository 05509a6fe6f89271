import { Injectable } from '@nestjs/common';
import { compileExpression } from '@lawsweep/design';
import { truthLossAt } from '@lawsweep/law';
import { buildScalingPlot, evenlySpaced, fmtSci, renderSvgPlot, type IntervalMark, type PlotSeries } from '@lawsweep/plot';
import type { HistoryPoint, RunRecord, SweepRecord } from '@lawsweep/store';

/** The dashboard's two figures, drawn with libs/plot (the same renderer as `lawsweep plot`). */
@Injectable()
export class SweepPlotService {
  /** Losses against compute, the fitted law per model size, the frontier, the targets. */
  scalingSvg(sweep: SweepRecord, runs: RunRecord[]): string {
    const variables = Object.keys(sweep.spec.variables);
    const cost = compileExpression(sweep.spec.cost, variables);
    const truth = sweep.spec.trainer.type === 'simulate' ? sweep.spec.trainer.truth : undefined;
    const done = runs.filter((r) => r.state === 'done' && r.loss !== undefined);
    return renderSvgPlot(
      buildScalingPlot({
        title: sweep.name,
        subtitle: `${done.length} runs · spent ${fmtSci(sweep.spent)} of ${fmtSci(sweep.budget)}`,
        law: sweep.fit ? sweep.spec.law : null,
        params: sweep.fit?.params ?? null,
        variables,
        runs: done.map((r) => ({ config: r.config, loss: r.loss as number })),
        cost: (c) => cost.evaluate(c),
        costLabel: sweep.spec.cost.replace(/\s+/g, '') === '6*N*D' ? 'compute, 6·N·D (FLOPs)' : `cost (${sweep.spec.cost})`,
        targets: sweep.spec.targets.map((config, i) => ({ config, ...(sweep.fit?.predictions[i] ?? {}), truth: truthLossAt(truth, config) })),
      }),
    );
  }

  /** The first target's prediction and 90% interval after each refit, against compute spent. */
  historySvg(sweep: SweepRecord, history: HistoryPoint[]): string {
    const truth = sweep.spec.trainer.type === 'simulate' ? truthLossAt(sweep.spec.trainer.truth, sweep.spec.targets[0]) : undefined;
    const all = history.filter((h) => h.spent > 0 && h.targets[0] && h.targets[0].loss > 0);
    // One refit per result over weeks is thousands of points; at most HISTORY_MARKS are drawn,
    // evenly spaced, the first and the latest always.
    const kept = evenlySpaced(all, HISTORY_MARKS);
    const marks: IntervalMark[] = kept.map((h) => ({ x: h.spent, y: h.targets[0].loss, lower: h.targets[0].lower, upper: h.targets[0].upper }));
    const series: PlotSeries[] = [
      { kind: 'line', label: 'predicted target loss', color: '#d62728', points: marks.map((m) => ({ x: m.x, y: m.y })) },
      { kind: 'intervals', label: '90% interval', color: '#f1a5a5', marks },
    ];
    if (truth !== undefined && marks.length > 0) {
      series.push({ kind: 'line', label: `truth ${truth.toFixed(4)}`, color: '#111', dashed: true, points: [{ x: marks[0].x, y: truth }, { x: marks[marks.length - 1].x, y: truth }] });
    }
    return renderSvgPlot({
      title: 'Target prediction as compute is spent',
      subtitle: Object.entries(sweep.spec.targets[0]).map(([k, v]) => `${k}=${fmtSci(v)}`).join(' '),
      xLabel: 'compute spent',
      yLabel: 'predicted loss',
      width: 860,
      height: 360,
      series,
    });
  }
}

/** The most refits drawn in the history plot. */
export const HISTORY_MARKS = 400;

