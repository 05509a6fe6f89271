import { ensureCliBuilt, lawsweep as cli } from './support/cli';
import { PlannerStack } from './support/planner-stack';

const TOKEN = 'cli-delete-token';

const spec = {
  name: 'cli-delete',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e8 }, D: { min: 1e8, max: 2e10 } },
  budget: 1e19,
  targets: [{ N: 1e9, D: 2e10 }],
  trainer: { type: 'simulate', truth: 'chinchilla' },
};

/** `lawsweep sweep delete` as a script runs it: stdin is not a terminal (the helper's stdin is /dev/null). */
describe('lawsweep sweep delete (built CLI, child processes)', () => {
  let stack: PlannerStack;
  let env: Record<string, string>;
  const url = (path: string) => `${stack.baseUrl}${path}`;
  const post = async (path: string, body: unknown = {}) =>
    (await (await fetch(url(path), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) })).json()) as { id: string; state: string };

  beforeAll(async () => {
    ensureCliBuilt();
    stack = await PlannerStack.start({ planner: { token: TOKEN } });
    env = { LAWSWEEP_PLANNER_URL: stack.baseUrl, LAWSWEEP_TOKEN: TOKEN };
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  /** A cancelled sweep with three imported runs. */
  const endedSweep = async (): Promise<string> => {
    const { id } = await post('/sweeps?paused=true', { ...spec, runs: [1e7, 2e7, 5e7].map((N) => ({ N, D: N * 20, loss: 3 })) });
    expect(await post(`/sweeps/${id}/cancel`)).toMatchObject({ state: 'cancelled' });
    return id;
  };

  it('refuses without --yes when stdin is not a terminal (exit 2), saying to export first, and deletes nothing', async () => {
    const id = await endedSweep();
    const r = await cli(['sweep', 'delete', id], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `lawsweep: not deleting sweep ${id}: stdin is not a terminal to confirm on, and --yes was not given. Nothing can bring a deleted sweep back: export it first (lawsweep sweep export ${id} --format json --out ${id}.json), then: lawsweep sweep delete ${id} --yes\n`,
    );
    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(200);
    expect(((await (await fetch(url(`/sweeps/${id}/runs`))).json()) as unknown[]).length).toBe(3);
  });

  it('deletes with --yes; a second delete says there is no such sweep', async () => {
    const id = await endedSweep();
    const r = await cli(['sweep', 'delete', id, '--yes'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`sweep ${id} deleted: 3 runs and their curves removed\n`);
    expect((await fetch(url(`/sweeps/${id}`))).status).toBe(404);
    const again = await cli(['sweep', 'delete', id, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`no sweep '${id}' on the planner at ${stack.baseUrl}`);
  });

  it('a running sweep is refused, saying to cancel it first; --json prints the answer; the token is needed', async () => {
    const { id } = await post('/sweeps?paused=true', spec);
    await post(`/sweeps/${id}/resume`);
    const running = await cli(['sweep', 'delete', id, '--yes'], env);
    expect(running.code).toBe(1);
    expect(running.stderr).toContain(`409 sweep ${id} is running: only a sweep that has ended (done, cancelled, failed) can be deleted; cancel it first (lawsweep sweep cancel ${id})`);
    await post(`/sweeps/${id}/cancel`);
    const noToken = await cli(['sweep', 'delete', id, '--yes'], { LAWSWEEP_PLANNER_URL: stack.baseUrl, LAWSWEEP_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/401 .*pass --token or set LAWSWEEP_TOKEN/);
    const json = await cli(['sweep', 'delete', id, '--yes', '--json'], env);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ id, deleted: true, runs: expect.any(Number), runsLeft: 0 });
  });

  it('has an example in its help, and the export to run first', async () => {
    const r = await cli(['sweep', 'delete', '--help']);
    expect(r.stdout).toMatch(/Examples?:\n {2}\$ /);
    expect(r.stdout).toContain('lawsweep sweep export SWEEP_ID');
    expect(r.stdout).toContain('--yes');
  });
});
