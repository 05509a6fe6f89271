import { chmodSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { Logger } from '@nestjs/common';

const WHERE = 'WORKER_RUN_DIR (--run-dir)';

/**
 * Makes the run root ready before the worker takes runs. Another user who can write the run root
 * could plant trainer markers there (which make this worker stop process groups) or links where
 * trainer logs are written, so:
 * - a missing root is created mode 0700;
 * - a root (and a symlink standing for it) may belong to this worker's uid or to root (uid 0: a
 *   Kubernetes emptyDir or fsGroup volume, a link an admin made); any other owner is refused;
 * - a root of this uid that its group or others can write is made 0700 (logged);
 * - a root owned by root that others can write (/tmp-like, mode 1777 or 0777) is refused: the
 *   worker makes a directory of its own inside it instead.
 * Throws an error naming the setting and the fix.
 */
export function prepareRunRoot(runRoot: string, log: (message: string) => void = (m) => new Logger('RunRoot').warn(m)): void {
  try {
    mkdirSync(runRoot, { recursive: true, mode: 0o700 }); // an existing directory is left as it is
  } catch (err) {
    throw new Error(`${WHERE}: cannot create the run directory ${runRoot}: ${(err as Error).message}`);
  }
  const uid = process.getuid?.();
  if (uid === undefined) return; // Windows: no owners to compare
  const link = lstatSync(runRoot);
  const target = statSync(runRoot);
  const owner = [link.uid, target.uid].find((u) => u !== uid && u !== 0);
  if (owner !== undefined) {
    throw new Error(
      `${WHERE}: ${runRoot} belongs to another user (uid ${owner}; this worker runs as uid ${uid}), who could plant files in it ` +
        `that make this worker stop processes or write where it should not. Give this worker a run directory of its own ` +
        `(WORKER_RUN_DIR=$HOME/lawsweep-runs or --run-dir $HOME/lawsweep-runs), or have ${runRoot} removed if it is left over.`,
    );
  }
  if (!target.isDirectory()) throw new Error(`${WHERE}: ${runRoot} is not a directory; point WORKER_RUN_DIR (--run-dir) at a directory`);
  const mode = target.mode & 0o7777;
  if (target.uid === 0 && (mode & 0o002) !== 0) {
    // Checked before "this uid" so that a worker running as root never chmods /tmp itself.
    throw new Error(
      `${WHERE}: ${runRoot} is owned by root and every user can write it (mode ${octal(mode)}), so another user could plant files in it ` +
        `that make this worker stop processes or write where it should not. Point it at a directory of your own, e.g. ` +
        `WORKER_RUN_DIR=${runRoot.replace(/\/+$/, '')}/lawsweep-runs-$USER (or --run-dir ${runRoot.replace(/\/+$/, '')}/lawsweep-runs-$USER); the worker creates it mode 0700.`,
    );
  }
  if (target.uid === uid && (mode & 0o022) !== 0) {
    try {
      chmodSync(runRoot, 0o700);
    } catch (err) {
      throw new Error(`${WHERE}: ${runRoot} can be written by other users (mode ${octal(mode)}) and cannot be made private: ${(err as Error).message}`);
    }
    log(`${WHERE}: ${runRoot} could be written by its group or other users (mode ${octal(mode)}); made it mode 0700`);
  }
}

/** A file mode as ls and chmod write it: 0755, 1777. */
const octal = (mode: number): string => mode.toString(8).padStart(4, '0');
