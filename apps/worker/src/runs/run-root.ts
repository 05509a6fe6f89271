import { lstatSync, mkdirSync, statSync } from 'node:fs';

const WHERE = 'WORKER_RUN_DIR (--run-dir)';

/**
 * Makes the run root ready before the worker takes runs: created mode 0700 where missing, and
 * refused where it (or a symlink standing for it) belongs to another user. The default is under
 * /tmp, which every local user can write: another user who made /tmp/lawsweep-runs first could
 * plant trainer markers there (which make this worker stop process groups) or links where trainer
 * logs are written. Throws an error naming the setting and the fix.
 */
export function prepareRunRoot(runRoot: string): void {
  try {
    mkdirSync(runRoot, { recursive: true, mode: 0o700 }); // an existing directory is left as it is
  } catch (err) {
    throw new Error(`${WHERE}: cannot create the run directory ${runRoot}: ${(err as Error).message}`);
  }
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no owners to compare
  const link = lstatSync(runRoot);
  const target = statSync(runRoot);
  const owner = [link.uid, target.uid].find((u) => u !== uid);
  if (owner !== undefined) {
    throw new Error(
      `${WHERE}: ${runRoot} belongs to another user (uid ${owner}; this worker runs as uid ${uid}), who could plant files in it ` +
        `that make this worker stop processes or write where it should not. Give this worker a run directory of its own ` +
        `(WORKER_RUN_DIR=$HOME/lawsweep-runs or --run-dir $HOME/lawsweep-runs), or have ${runRoot} removed if it is left over.`,
    );
  }
  if (!target.isDirectory()) throw new Error(`${WHERE}: ${runRoot} is not a directory; point WORKER_RUN_DIR (--run-dir) at a directory`);
}
