import { spawn } from 'node:child_process';
import { groupAlive, stopProcessGroup } from './process-group';

/** Process groups for real: sh trainers in groups of their own. */
describe('process groups', () => {
  const groups: number[] = [];
  afterAll(() => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // stopped by the test
      }
    }
  });

  /** A group whose processes ignore SIGTERM. */
  async function stubbornGroup(): Promise<number> {
    const child = spawn('sh', ['-c', "trap '' TERM; exec sleep 30"], { detached: true, stdio: 'ignore' });
    child.unref();
    groups.push(child.pid!);
    await new Promise((r) => setTimeout(r, 100)); // past the trap
    return child.pid!;
  }

  describe('stopProcessGroup (a group that is not ours to wait for: an orphaned trainer)', () => {
    it('SIGKILLs what ignores SIGTERM after the grace, while it is still the group meant', async () => {
      const pgid = await stubbornGroup();
      expect(await stopProcessGroup(pgid, 200, () => true)).toEqual({ killed: true });
      expect(groupAlive(pgid)).toBe(false);
    });

    it('sends no SIGKILL to a group that is no longer the one meant (its id reused during the grace)', async () => {
      const pgid = await stubbornGroup();
      let asked = 0;
      expect(await stopProcessGroup(pgid, 200, () => (asked++, false))).toEqual({ killed: false });
      expect(asked).toBe(1);
      expect(groupAlive(pgid)).toBe(true);
    });
  });
});
