import { join } from 'node:path';

/** A run's directory (LAWSWEEP_RUN_DIR): <runRoot>/<sweep id>/<run id>, each id one safe path segment. */
export function runDirOf(runRoot: string, sweepId: string, runId: string): string {
  return join(runRoot, safeName(sweepId), safeName(runId));
}

/** Ids become directory names: keep them to one safe path segment. */
export function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 200) || '_';
}

/**
 * The file a worker writes in every run directory it creates: the retention sweep removes only
 * directories that have it, so a run root pointed at a directory that holds anything else
 * (WORKER_RUN_DIR=$HOME, a shared scratch disk) never loses what lawsweep did not make.
 */
export const RUN_DIR_MARKER = '.lawsweep-run';
