import { resolveTruth } from '@lawsweep/law';
import { lawsweep } from './support/cli';
import { getJson, postJson, type FitJson, type RunJson, type SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';

/**
 * Importing runs a user already has: the planner learns from them before it spends anything, so a
 * sweep started with imports plans differently from one without, and never buys an imported config.
 */
const spec = {
  name: 'import-test',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 4e8, steps: 6 }, D: { min: 2e8, max: 2e10, steps: 6 } },
  constraints: ['D / N >= 2', 'D / N <= 500'],
  budget: 2e18,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 3,
  seed: 3,
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 0 },
};

const key = (c: { N: number; D: number }) => `${c.N.toPrecision(6)},${c.D.toPrecision(6)}`;

describe('planner: importing existing runs', () => {
  let stack: PlannerStack;
  const get = <T>(path: string) => getJson<T>(`${stack.baseUrl}${path}`);
  const post = <T = SweepJson>(path: string, body: unknown) => postJson<T>(`${stack.baseUrl}${path}`, body);
  const waitFor = async <T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  beforeAll(async () => {
    stack = await PlannerStack.start();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('plans differently with imports, and spends nothing on configs it already has', async () => {
    // No worker yet: each sweep's first batch is planned and waits on the queue.
    const plain = await post('/sweeps', spec);
    const firstPlain = await waitFor(async () => {
      const runs = await get<RunJson[]>(`/sweeps/${plain.id}/runs`);
      return runs.length === 3 ? runs : undefined;
    }, 'the first batch of the plain sweep');
    expect((await get<SweepJson>(`/sweeps/${plain.id}`)).warnings.map((w) => w.code)).toContain('no-live-workers');

    // The user already has runs at exactly those configs (and three more: enough for a first fit of the five-parameter law), measured from the truth.
    const truth = resolveTruth('chinchilla');
    const theta = truth.law.toTheta(truth.params);
    const have = [...firstPlain.map((r) => r.config), { N: 1e7, D: 2e9 }, { N: 4e7, D: 1e9 }, { N: 1e8, D: 5e9 }];
    const imports = have.map((c) => ({ ...c, loss: Math.exp(truth.law.logLoss(theta, c)) }));
    const withImports = await post('/sweeps', { ...spec, runs: imports });
    expect(withImports.runs).toMatchObject({ done: 6, imported: 6 });
    expect(withImports.budget.spent).toBe(0);

    const firstImported = await waitFor(async () => {
      const runs = (await get<RunJson[]>(`/sweeps/${withImports.id}/runs`)).filter((r) => !r.imported);
      return runs.length === 3 ? runs : undefined;
    }, 'the first batch of the sweep with imports');
    const plainKeys = firstPlain.map((r) => key(r.config)).sort();
    const importedKeys = new Set(have.map(key));
    expect(firstImported.map((r) => key(r.config)).sort()).not.toEqual(plainKeys);
    // It learns from the imported losses, not only from which configs they are: the same configs measured
    // from another law (one whose loss hardly depends on D) lead to another first batch.
    const flatInD = resolveTruth({ law: 'chinchilla', params: { E: 2, A: 400, B: 1e-3, alpha: 0.34, beta: 2 } });
    const otherTheta = flatInD.law.toTheta(flatInD.params);
    const otherImports = have.map((c) => ({ ...c, loss: Math.exp(flatInD.law.logLoss(otherTheta, c)) }));
    const withOther = await post('/sweeps', { ...spec, name: 'import-test-other-law', runs: otherImports });
    const firstOther = await waitFor(async () => {
      const runs = (await get<RunJson[]>(`/sweeps/${withOther.id}/runs`)).filter((r) => !r.imported);
      return runs.length === 3 ? runs : undefined;
    }, 'the first batch of the sweep with the other law\'s imports');
    expect(firstOther.map((r) => key(r.config)).sort()).not.toEqual(firstImported.map((r) => key(r.config)).sort());
    expect(firstOther.filter((r) => importedKeys.has(key(r.config)))).toEqual([]);
    await post(`/sweeps/${withOther.id}/cancel`, {});
    // The sweep with imports already has a fit before spending anything.
    const fit = await get<FitJson>(`/sweeps/${withImports.id}/fit`);
    expect(fit.n).toBeGreaterThanOrEqual(6);

    // Importing the same configs again adds nothing.
    expect(await post(`/sweeps/${withImports.id}/runs`, imports)).toEqual({ imported: 0, skipped: 6 });

    // Workers join; both sweeps run to the end.
    await stack.addWorker();
    await stack.addWorker();
    for (const id of [plain.id, withImports.id]) {
      await waitFor(async () => {
        const s = await get<SweepJson>(`/sweeps/${id}`);
        return s.state !== 'running' && s.runs.queued + s.runs.running === 0 ? s : undefined;
      }, `sweep ${id} to finish`);
    }
    const runs = await get<RunJson[]>(`/sweeps/${withImports.id}/runs`);
    const bought = runs.filter((r) => !r.imported);
    expect(bought.length).toBeGreaterThan(3);
    expect(bought.filter((r) => importedKeys.has(key(r.config)))).toEqual([]);
    const sweep = await get<SweepJson>(`/sweeps/${withImports.id}`);
    const paid = bought.reduce((s, r) => s + r.cost, 0);
    expect(sweep.budget.spent).toBeCloseTo(paid, -Math.round(Math.log10(paid)) + 9);
    expect(runs.filter((r) => r.imported).every((r) => r.cost === 0 && r.state === 'done')).toBe(true);
    expect((await get<FitJson>(`/sweeps/${withImports.id}/fit`)).n).toBe(runs.length);
    // ?last=K: the newest K runs, in the same order (what the dashboard asks for).
    expect((await get<RunJson[]>(`/sweeps/${withImports.id}/runs?last=3`)).map((r) => r.id)).toEqual(runs.slice(-3).map((r) => r.id));
  });

  it("says in the sweep's fit what the runs cannot pin: imported runs that never vary D", async () => {
    const truth = resolveTruth('chinchilla');
    const theta = truth.law.toTheta(truth.params);
    const runs = [1e7, 2e7, 4e7, 8e7, 1.6e8, 3.2e8, 4e8].map((N) => ({ N, D: 2e9, loss: Math.exp(truth.law.logLoss(theta, { N, D: 2e9 })) }));
    // In a pool no worker serves: its runs wait, so the fit stays the imported runs'.
    const sweep = await postJson<SweepJson>(`${stack.baseUrl}/sweeps`, { ...spec, name: 'import-one-d', pool: 'nobody', runs });
    const fit = await waitFor(async () => {
      const f = await get<FitJson>(`/sweeps/${sweep.id}/fit`);
      return f.n === runs.length ? f : undefined;
    }, 'the fit of the imported runs');
    expect(fit.warnings.filter((w) => w.code === 'variable-constant').map((w) => w.message)).toEqual([expect.stringMatching(/^D takes one value in the data \(2\.00e\+9\): .*add runs at other values of D$/)]);
    const cli = await lawsweep(['sweep', 'fit', sweep.id, '--planner', stack.baseUrl]);
    expect(cli.stdout).toMatch(/^warning: D takes one value in the data/m);
    await post(`/sweeps/${sweep.id}/cancel`, {});
  });
});
