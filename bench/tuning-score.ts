/**
 * The tuning score of bench/results/design-eig-tuning.md from design-efficiency bench output on
 * stdin: per truth and overall, the mean over its cells (noise × budget) of log(median relative
 * error) for one design (default eig); lower is better, a difference of 0.1 ≈ 10% lower errors.
 *
 *   node dist/bench/design-efficiency.bench.js --truth farseer --first-seed 1000 --seeds 12 --designs eig --no-speed | node dist/bench/tuning-score.js
 */
import { readFileSync } from 'fs';

/** The truth of a synthetic setting's label ("truth T, noise σ…"); undefined for the real pool and the rest. */
export function truthOf(label: string): string | undefined {
  return /^truth (\S+), noise/.exec(label)?.[1];
}

export function tuningScores(text: string, design = 'eig'): { overall: number; cells: number; perTruth: Map<string, number> } {
  const perTruth = new Map<string, number[]>();
  let truth: string | undefined;
  let inErrorTable = false;
  for (const line of text.split('\n')) {
    // A section that is not a synthetic truth (the real pool, speed) ends the previous one.
    if (line.startsWith('### ')) {
      truth = truthOf(line.slice(4));
      inErrorTable = false;
      continue;
    }
    if (line.startsWith('median (IQR) relative error')) inErrorTable = true;
    else if (line.startsWith('compute each design') || line.startsWith('median predicted')) inErrorTable = false;
    const cells = line.split('|').map((c) => c.trim());
    if (!truth || !inErrorTable || cells[1] !== design) continue;
    const medians = cells.slice(2).map((c) => /^([\d.]+)%/.exec(c)).filter((m): m is RegExpExecArray => m !== null).map((m) => Number(m[1]) / 100);
    perTruth.set(truth, [...(perTruth.get(truth) ?? []), ...medians.map(Math.log)]);
  }
  const all = [...perTruth.values()].flat();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return { overall: mean(all), cells: all.length, perTruth: new Map([...perTruth].map(([t, xs]) => [t, mean(xs)])) };
}

if (require.main === module) {
  const design = process.argv[2] ?? 'eig';
  const { overall, cells, perTruth } = tuningScores(readFileSync(0, 'utf8'), design);
  const parts = [...perTruth].map(([t, s]) => `${t} ${s.toFixed(3)}`).join(', ');
  process.stdout.write(`${design}: score ${overall.toFixed(4)} over ${cells} cells (${parts})\n`);
}
