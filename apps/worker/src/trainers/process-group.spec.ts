import { spawn } from 'node:child_process';
import { groupAlive, ProcessGroup, stopProcessGroup } from './process-group';

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

  describe('ProcessGroup output', () => {
    it("reads the trainer's last lines (its final loss) after it exits, even when the log pauses the output again", async () => {
      const lines: string[] = [];
      // 32 KB of chatter in bursts (several reads), then the final line: all of it fits in the pipe and
      // Node's buffer, so the trainer exits with it unread.
      const burst = 'yes "step: some chatter that fills the pipe up" | head -c 4000; sleep 0.02';
      const script = `for i in 1 2 3 4 5 6 7 8; do ${burst}; done; echo; echo '{"final": true, "loss": 2}'`;
      const group: ProcessGroup = new ProcessGroup('sh', ['-c', script], {
        env: { PATH: process.env.PATH ?? '' },
        onStdoutLine: (line) => {
          lines.push(line);
          // trainer.log on slow storage: more than 1 MiB behind again, so it pauses the output
          // (Node resumes a child's pipes when it exits; the log then pauses them once more).
          if (group.hasExited) group.pauseOutput();
        },
        onStderr: () => undefined,
      });
      group.pauseOutput(); // the log is behind from the start and does not catch up within this test
      expect(await group.finish()).toMatchObject({ code: 0 });
      expect(lines[lines.length - 1]).toBe('{"final": true, "loss": 2}');
    }, 10_000);
  });
});
