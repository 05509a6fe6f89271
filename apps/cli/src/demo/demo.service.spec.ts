import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DemoService, type DemoOptions } from './demo.service';

/** The run root of the demo's in-process workers: its own temp directory, gone when the demo ends. */
describe('DemoService run root', () => {
  const options: DemoOptions = { workers: 2, fast: true, keep: false, outDir: join(tmpdir(), 'unused') };
  afterEach(() => jest.restoreAllMocks());

  /** runSweep stubbed: it leaves what the workers would (a run directory tree) under the run root. */
  function stubSweep(result: number | Error): { roots: string[] } {
    const seen = { roots: [] as string[] };
    jest.spyOn(DemoService.prototype as unknown as { runSweep: () => Promise<number> }, 'runSweep').mockImplementation(async function (this: { runRoot?: string }) {
      const root = this.runRoot!;
      seen.roots.push(root);
      mkdirSync(join(root, '1', 'sweep-a', 'run-1'), { recursive: true });
      writeFileSync(join(root, '1', 'sweep-a', 'run-1', 'trainer.log'), 'x');
      mkdirSync(join(root, '2'), { recursive: true });
      if (result instanceof Error) throw result;
      return result;
    });
    return seen;
  }

  it('is a fresh lawsweep-demo-runs-* directory in the temp directory, removed when the demo ends', async () => {
    const seen = stubSweep(0);
    const demo = new DemoService(() => undefined);
    expect(await demo.run(options)).toBe(0);
    expect(seen.roots).toHaveLength(1);
    expect(dirname(seen.roots[0])).toBe(tmpdir());
    expect(seen.roots[0]).toMatch(/lawsweep-demo-runs-[^/]+$/);
    expect(existsSync(seen.roots[0])).toBe(false);
  });

  it('is removed when the sweep fails too', async () => {
    const seen = stubSweep(new Error('boom'));
    await expect(new DemoService(() => undefined).run(options)).rejects.toThrow('boom');
    expect(existsSync(seen.roots[0])).toBe(false);
  });

  it('with --keep, stays until shutdown()', async () => {
    const seen = stubSweep(0);
    const demo = new DemoService(() => undefined);
    await demo.run({ ...options, keep: true });
    expect(readdirSync(seen.roots[0]).sort()).toEqual(['1', '2']);
    await demo.shutdown();
    expect(existsSync(seen.roots[0])).toBe(false);
  });
});
