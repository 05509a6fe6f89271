/** A point on a log-log plot (both coordinates > 0). */
export interface XY {
  x: number;
  y: number;
}

/** A vertical interval (e.g. a 90% prediction interval) at x, with its central estimate y. */
export interface IntervalMark extends XY {
  lower: number;
  upper: number;
  /** Known true value, drawn as a hollow diamond (simulated sweeps). */
  truth?: number;
  label?: string;
}

export type PlotSeries =
  | { kind: 'points'; label: string; color: string; points: XY[]; hollow?: boolean }
  | { kind: 'line'; label: string; color: string; points: XY[]; dashed?: boolean; width?: number; /** Clip to the axes the data set instead of widening them. */ clipped?: boolean }
  | { kind: 'intervals'; label: string; color: string; marks: IntervalMark[] };

/** Everything the SVG renderer draws: labelled axes (both log), series, legend. */
export interface PlotSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  width?: number;
  height?: number;
  series: PlotSeries[];
}
