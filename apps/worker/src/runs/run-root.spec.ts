import { chmodSync, chownSync, lchownSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
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
  const noLog = () => undefined;

  posix('creates a missing run root mode 0700, and accepts it the next time', () => {
    const root = join(dir, 'fresh', 'lawsweep-runs');
    prepareRunRoot(root, noLog);
    expect(statSync(root).mode & 0o777).toBe(0o700);
    expect(() => prepareRunRoot(root, noLog)).not.toThrow();
  });

  asRoot("refuses a run root another user owns, naming the setting and the fix", () => {
    const root = join(dir, 'planted');
    mkdirSync(root);
    chownSync(root, OTHER_UID, OTHER_UID);
    expect(() => prepareRunRoot(root, noLog)).toThrow(/^WORKER_RUN_DIR \(--run-dir\): \S+ belongs to another user \(uid 65534; this worker runs as uid \d+\).*--run-dir \$HOME\/lawsweep-runs/);
  });

  asRoot("refuses a symlink another user planted, even to a directory of this user's", () => {
    const mine = join(dir, 'mine');
    mkdirSync(mine);
    const root = join(dir, 'planted-link');
    symlinkSync(mine, root);
    lchownSync(root, OTHER_UID, OTHER_UID);
    expect(() => prepareRunRoot(root, noLog)).toThrow(/belongs to another user \(uid 65534/);
  });

  posix('accepts a root-owned run root that others cannot write (an emptyDir/fsGroup volume, an admin-made directory), as it is', () => {
    // '/' is root's and 0755 on any POSIX host; run as root, this is a directory of root's own.
    const log = jest.fn();
    expect(() => prepareRunRoot('/', log)).not.toThrow();
    expect(statSync('/').mode & 0o777).toBe(0o755);
    expect(log).not.toHaveBeenCalled();
  });

  posix('accepts a root-owned symlink an admin made to a directory of this user', () => {
    const mine = join(dir, 'mine-for-root-link');
    mkdirSync(mine, { mode: 0o700 });
    const root = join(dir, 'admin-link');
    symlinkSync(mine, root);
    if (uid === 0) lchownSync(root, 0, 0); // a non-root run cannot make a root-owned link; the link is its own then
    expect(() => prepareRunRoot(root, noLog)).not.toThrow();
  });

  posix('makes a run root of this user that its group or others can write mode 0700, and logs it', () => {
    for (const mode of uid === 0 ? [0o770, 0o775] : [0o770, 0o775, 0o777]) {
      const root = join(dir, `open-${mode.toString(8)}`);
      mkdirSync(root);
      chmodSync(root, mode);
      const log = jest.fn();
      prepareRunRoot(root, log);
      expect(statSync(root).mode & 0o7777).toBe(0o700);
      expect(log).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^WORKER_RUN_DIR \\(--run-dir\\): \\S+open-${mode.toString(8)} could be written .*made it mode 0700`)));
    }
  });

  posix('refuses a root-owned run root that every user can write (/tmp-like), naming the setting and the fix, and leaves its mode alone', () => {
    let root = tmpdir();
    if (uid === 0) {
      root = join(dir, 'shared-tmp');
      mkdirSync(root);
      chmodSync(root, 0o1777);
    } else if (statSync(root).uid !== 0 || (statSync(root).mode & 0o002) === 0) {
      return; // no root-owned world-writable directory at hand
    }
    const before = statSync(root).mode;
    expect(() => prepareRunRoot(root, noLog)).toThrow(
      /^WORKER_RUN_DIR \(--run-dir\): \S+ is owned by root and every user can write it \(mode 1?777\).*Point it at a directory of your own, e\.g\. WORKER_RUN_DIR=\S+\/lawsweep-runs-\$USER/,
    );
    expect(statSync(root).mode).toBe(before);
    // The fix the message names works: a directory of the worker's own inside it.
    if (uid === 0) {
      const own = join(root, 'lawsweep-runs-me');
      prepareRunRoot(own, noLog);
      expect(statSync(own).mode & 0o777).toBe(0o700);
    }
  });

  posix('refuses a file', () => {
    const root = join(dir, 'a-file');
    writeFileSync(root, '');
    expect(() => prepareRunRoot(root, noLog)).toThrow(/WORKER_RUN_DIR \(--run-dir\): cannot create the run directory|is not a directory/);
  });

  describe('as a non-root worker (uid 1000, mocked)', () => {
    const WORKER_UID = 1000;
    beforeEach(() => jest.spyOn(process, 'getuid').mockReturnValue(WORKER_UID));
    afterEach(() => jest.restoreAllMocks());

    posix('accepts a root-owned directory others cannot write (an emptyDir/fsGroup volume mounted for a non-root image)', () => {
      const root = join(dir, 'volume');
      mkdirSync(root);
      chmodSync(root, 0o2775); // fsGroup: group-writable, setgid
      if (uid === 0) chownSync(root, 0, 0);
      else return; // a non-root run cannot make a root-owned directory
      expect(() => prepareRunRoot(root, noLog)).not.toThrow();
      expect(statSync(root).mode & 0o7777).toBe(0o2775);
    });

    asRoot('accepts a root-owned symlink to a directory of the worker', () => {
      const mine = join(dir, 'worker-own');
      mkdirSync(mine, { mode: 0o700 });
      chownSync(mine, WORKER_UID, WORKER_UID);
      const root = join(dir, 'worker-admin-link');
      symlinkSync(mine, root);
      expect(() => prepareRunRoot(root, noLog)).not.toThrow();
    });

    asRoot("makes the worker's own mode-0777 run root 0700", () => {
      const root = join(dir, 'worker-open');
      mkdirSync(root);
      chmodSync(root, 0o777);
      chownSync(root, WORKER_UID, WORKER_UID);
      const log = jest.fn();
      prepareRunRoot(root, log);
      expect(statSync(root).mode & 0o7777).toBe(0o700);
      expect(log).toHaveBeenCalledWith(expect.stringContaining('(mode 0777); made it mode 0700'));
    });

    asRoot('refuses a directory of a third user', () => {
      const root = join(dir, 'third');
      mkdirSync(root);
      chownSync(root, OTHER_UID, OTHER_UID);
      expect(() => prepareRunRoot(root, noLog)).toThrow(/belongs to another user \(uid 65534; this worker runs as uid 1000\)/);
    });
  });
});
