export * from './plot.types';
export { LogScale, formatPlain, powerOfTenLabel, type LogTick } from './log-scale';
export { renderSvgPlot, esc } from './svg-plot.renderer';
export { buildScalingPlot, evenlySpaced, fmtSci, MAX_POINTS, pickSpread, sizeColor, thinByCost, type PlotRun, type PlotTarget, type ScalingPlotInput } from './scaling-plot.builder';
export { svgToPng } from './png';
