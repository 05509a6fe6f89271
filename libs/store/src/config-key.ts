import type { Config } from '@lawsweep/law';

/**
 * A canonical key for a config, so "the same run" is recognised whatever the key order or the
 * last-digit noise of a log grid (1e8 vs 99999999.99999999): variables sorted, values rounded to
 * 10 significant digits.
 */
export function configKey(config: Config): string {
  return Object.keys(config)
    .sort()
    .map((k) => `${k}=${Number(config[k].toPrecision(10))}`)
    .join(',');
}

/** Run ids are `<sweepId>-r00001` (planned) or `<sweepId>-i00001` (imported); see run.scripts (RESERVE_RUNS, IMPORT_RUNS). */
export function sweepIdOfRun(runId: string): string | undefined {
  const m = /^(.+)-[ri]\d+$/.exec(runId);
  return m ? m[1] : undefined;
}
