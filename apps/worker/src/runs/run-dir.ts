import { join } from 'node:path';

/** A run's directory (LAWSWEEP_RUN_DIR): <runRoot>/<sweep id>/<run id>, each id one safe path segment. */
export function runDirOf(runRoot: string, sweepId: string, runId: string): string {
  return join(runRoot, safeName(sweepId), safeName(runId));
}

/** Ids become directory names: keep them to one safe path segment. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || '_';
}
