import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { buildScalingPlot, renderSvgPlot, svgToPng, type ScalingPlotInput } from '@lawsweep/plot';

/** Renders the figure and writes it as .svg or .png (chosen by the extension). */
export function writePlotFile(input: ScalingPlotInput, out: string): void {
  const ext = extname(out).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new Error(`--out: the file must end in .svg or .png, got '${out}'`);
  const svg = renderSvgPlot(buildScalingPlot(input));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, ext === '.svg' ? svg : svgToPng(svg));
}
