import { chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareRunRoot } from './run-root';

/** The run root on a shared host: created private, refused when another user owns it. Real directories. */
describe('prepareRunRoot', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-run-root-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const uid = process.getuid?.();
  const asRoot = uid === 0 ? it : it.skip; // only root can give a file to another user
  const posix = uid !== undefined ? it : it.skip;
  const OTHER_UID = 65534; // nobody

  posix('creates a missing run root mode 0700, and accepts it the next time', () => {
    const root = join(dir, 'fresh', 'lawsweep-runs');
    prepareRunRoot(root);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(() => prepareRunRoot(root)).not.toThrow();
  });

  posix("refuses a run root another user owns, naming the setting and the fix", () => {
    let root = '/'; // owned by root: another user's, unless this is root
    if (uid === 0) {
      root = join(dir, 'planted');
      mkdirSync(root);
      chownSync(root, OTHER_UID, OTHER_UID);
    }
    expect(() => prepareRunRoot(root)).toThrow(/^WORKER_RUN_DIR \(--run-dir\): \S+ belongs to another user \(uid \d+; this worker runs as uid \d+\).*--run-dir \$HOME\/lawsweep-runs/);
  });

  asRoot("refuses a symlink another user planted, even to a directory of this user's", () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    const root = join(dir, 'planted-link');
    symlinkSync(mine, root);
    lchownSync(root, OTHER_UID, OTHER_UID);
    expect(() => prepareRunRoot(root)).toThrow(/belongs to another user \(uid 65534/);
  });

  posix('refuses a file', () => {
    const root = join(dir, 'a-file');
    writeFileSync(root, '');
    expect(() => prepareRunRoot(root)).toThrow(/WORKER_RUN_DIR \(--run-dir\): cannot create the run directory|is not a directory/);
  });
});
