export * from './plot.types';
export { LogScale, formatPlain, powerOfTenLabel, type LogTick } from './log-scale';
export { renderSvgPlot, esc } from './svg-plot.renderer';
export { buildScalingPlot, fmtSci, pickSpread, sizeColor, type PlotRun, type PlotTarget, type ScalingPlotInput } from './scaling-plot.builder';
export { svgToPng } from './png';
