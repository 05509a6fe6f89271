import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { PlannerStack } from './support/planner-stack';

/**
 * The dashboard in a real browser: Debian's Chromium (`apt-get install -y chromium`; .ci/run
 * installs it) driven by playwright-core, on the page of a sweep that is still running. Writes a
 * screenshot to the temp dir; with UPDATE_SCREENSHOT=1 also to docs/dashboard.png (the README's).
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) console.warn(`dashboard e2e skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`);
const describeIf = haveChromium ? describe : describe.skip;

const spec = {
  name: 'dashboard-e2e',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e9, steps: 9 }, D: { min: 1e8, max: 1e11, steps: 13 } },
  constraints: ['D / N >= 1', 'D / N <= 1000'],
  budget: 3e20,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 4,
  // Slow enough that the sweep is still running while the page is checked.
  trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005, secondsPerCost: 1e-18, maxSeconds: 3 },
};

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeIf('dashboard in headless Chromium', () => {
  let stack: PlannerStack;
  let context: BrowserContext;
  let page: Page;
  let sweepId: string;
  const userDataDir = mkdtempSync(join(tmpdir(), 'lawsweep-chromium-'));
  const shot = join(userDataDir, 'dashboard.png');

  beforeAll(async () => {
    stack = await PlannerStack.start({ workers: [{ concurrency: 2 }, { concurrency: 2 }] });
    const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect(res.status).toBe(201);
    sweepId = ((await res.json()) as { id: string }).id;
    // Let a few results and a fit arrive, so the page has something to show.
    await waitFor('a fit and 6 finished runs', async () => {
      const s = (await (await fetch(`${stack.baseUrl}/sweeps/${sweepId}`)).json()) as { runs: { done: number }; fit: unknown };
      return s.runs.done >= 6 && s.fit ? true : undefined;
    });
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1500, height: 1100 },
    });
    page = await context.newPage();
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    await stack?.stop();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows the sweep: title, state, budget, runs table, plots, fitted parameters', async () => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${stack.baseUrl}/sweeps/${sweepId}/view`);
    await page.locator('#runs tr').nth(5).waitFor({ timeout: 15_000 });
    await page.locator('#params tr').nth(4).waitFor({ timeout: 15_000 });

    expect(await page.title()).toBe('lawsweep · dashboard-e2e');
    expect(await page.textContent('#title')).toBe('dashboard-e2e');
    expect(await page.textContent('#state')).toMatch(/^(running|done)$/);
    expect(await page.textContent('#budget-total')).toBe('3.00e20');
    expect(await page.textContent('#budget-spent')).toMatch(/^\d+(\.\d)?% spent$/);
    // While running, once a pace is measured, the time left; else nothing. The page runs libs/contracts' own text functions.
    expect(await page.textContent('#time-left')).toMatch(/^(|~\d+[dhms]( \d+[dhms])? left at the last \d+[dhms]( \d+[dhms])?'s pace( \(until stop\.maxRuns\))?)$/);
    expect(await page.evaluate("describeTimeLeft({ seconds: 7830, windowSeconds: 3600, until: 'maxRuns' })")).toBe("~2h 10m left at the last 1h's pace (until stop.maxRuns)");
    // A done sweep says how to go on, as `lawsweep sweep status` does; a running one says nothing there.
    const goOn = await page.textContent('#go-on');
    const state = await page.textContent('#state');
    // What more budget buys: only once it is done (a forecast plans on the planner's event loop).
    expect(await page.isHidden('#more-card')).toBe(state !== 'done');
    if (state === 'done') expect(goOn).toBe(`to go on: lawsweep sweep forecast ${sweepId} --budget 6.00e20 (what more budget buys), then lawsweep sweep update ${sweepId} --budget B`);
    else expect(goOn).toBe('');
    expect(await page.evaluate(`goOnWithMoreBudgetHint('sw-x', sci(2e21))`)).toBe('lawsweep sweep forecast sw-x --budget 2.00e21 (what more budget buys), then lawsweep sweep update sw-x --budget B');
    // By what ended it, in the page as in the CLI (the function's source runs in the browser).
    expect(await page.evaluate(`goOnWithMoreBudgetHint('sw-x', sci(2e21), { stopCause: 'maxRuns', stopReason: 'reworded', planned: 12 })`)).toMatch(/^lawsweep sweep update sw-x --max-runs M \(above 12, or 'none'\)/);
    // A sweep ended by an older planner has no cause: its reason's words are read.
    expect(await page.evaluate(`goOnWithMoreBudgetHint('sw-x', sci(2e21), { stopReason: 'maxRuns (12) reached' })`)).toMatch(/^lawsweep sweep update sw-x --max-runs M \(above 12, or 'none'\)/);

    // Every run the API knows is a row, with its state, config and worker.
    const runs = (await (await fetch(`${stack.baseUrl}/sweeps/${sweepId}/runs`)).json()) as { id: string; state: string }[];
    const rows = await page.evaluate<string[][]>("Array.from(document.querySelectorAll('#runs tr')).map((tr) => Array.from(tr.children).map((td) => td.textContent))");
    expect(rows.length).toBeGreaterThanOrEqual(6);
    expect(rows.length).toBeLessThanOrEqual(runs.length + 4);
    const done = rows.find((r) => r[1] === 'done');
    expect(done?.[2]).toMatch(/^N=[\d.e]+ D=[\d.e]+$/);
    expect(Number(done?.[3])).toBeGreaterThan(1.5);
    expect(done?.[5]).toMatch(/^w\d+-/);

    expect(await page.textContent('#target-loss')).toMatch(/^\d\.\d{4}$/);
    expect(await page.textContent('#target-interval')).toMatch(/90% interval \[/);
    const params = await page.locator('#params tr td:first-child').allTextContents();
    expect(params).toEqual(['E', 'A', 'B', 'alpha', 'beta']);

    // Both figures loaded as images, drawn by libs/plot.
    // (An expression string: the test is compiled without the DOM library.)
    for (const sel of ['#plot', '#history']) {
      await page.waitForFunction(`(() => { const img = document.querySelector('${sel}'); return !!img && img.complete && img.naturalWidth > 0; })()`, undefined, { timeout: 10_000 });
    }
    expect(errors).toEqual([]);
    await page.waitForTimeout(1500);
    await page.screenshot({ path: shot });
    if (process.env.UPDATE_SCREENSHOT) copyFileSync(shot, resolve(__dirname, '..', 'docs', 'dashboard.png'));
  }, 120_000);

  it('lists the sweep on the front page, linked to its view', async () => {
    await page.goto(`${stack.baseUrl}/`);
    await page.waitForSelector('#sweeps tr a');
    expect(await page.textContent('#sweeps tr a')).toBe('dashboard-e2e');
    expect(await page.getAttribute('#sweeps tr a', 'href')).toBe(`/sweeps/${sweepId}/view`);
    // Its time left: '-' once it ended, a duration while a pace is measured (libs/contracts' formatter, run in the page).
    expect(await page.textContent('#sweeps tr td:nth-child(9)')).toMatch(/^(-|~\d+[dhms]( \d+[dhms])?)$/);
    expect(await page.evaluate('formatDuration(7830)')).toBe('~2h 10m');
    // The workers under it (GET /workers): both live, with their slots; a run in flight links to its sweep.
    await page.locator('#workers tr').nth(1).waitFor({ timeout: 10_000 });
    const workers = await page.evaluate<string[][]>("Array.from(document.querySelectorAll('#workers tr')).map((tr) => Array.from(tr.children).map((td) => td.textContent))");
    expect(workers.map((w) => [w[1], w[2], w[3]])).toEqual([
      ['default', 'live', expect.stringMatching(/^[0-2]\/2$/)],
      ['default', 'live', expect.stringMatching(/^[0-2]\/2$/)],
    ]);
    expect(await page.textContent('#workers-summary')).toMatch(/^2 live workers, [0-4] of 4 slots busy$/);
  });

  it('mounts Bull Board at /queues with the run and results queues', async () => {
    const api = (await (await fetch(`${stack.baseUrl}/queues/api/queues`)).json()) as { queues: { name: string }[] };
    expect(api.queues.map((q) => q.name).sort()).toEqual(['lawsweep-results', 'lawsweep-runs-default']);
    await page.goto(`${stack.baseUrl}/queues`);
    await page.waitForSelector('text=lawsweep-results', { timeout: 15_000 });
  });

  it('answers 404 for an unknown sweep page', async () => {
    const res = await fetch(`${stack.baseUrl}/sweeps/nope/view`);
    expect(res.status).toBe(404);
  });

  // After the front page's test: it adds a sweep, which the front page would list first.
  it('says what 2x and 4x the budget would buy once a sweep is done (the forecast API, in a table)', async () => {
    const small = { ...spec, name: 'done-sweep', budget: 3e19, trainer: { type: 'simulate', truth: 'chinchilla', noise: 0.005 } };
    const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(small) });
    const { id } = (await res.json()) as { id: string };
    const { spent } = await waitFor('the small sweep to finish', async () => {
      const s = (await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json()) as { state: string; fit: unknown; budget: { spent: number } };
      return s.state === 'done' && s.fit ? s.budget : undefined;
    }, 60_000);
    await page.goto(`${stack.baseUrl}/sweeps/${id}/view`);
    await page.locator('#more tr').nth(1).waitFor({ timeout: 15_000 });
    const rows = await page.evaluate<string[][]>("Array.from(document.querySelectorAll('#more tr')).map((tr) => Array.from(tr.children).map((td) => td.textContent))");
    const api = (await (await fetch(`${stack.baseUrl}/sweeps/${id}/forecast?budget=6e19,1.2e20`)).json()) as {
      forecasts: { budget: number; runs: number; cost: number; targets: { halfWidthNow: number; halfWidthAfter: number }[] }[];
    };
    expect(rows.map((r) => r[0])).toEqual(['6.00e19 (2×)', '1.20e20 (4×)']);
    // The same forecast the API gives (deterministic: the same runs and fit).
    expect(rows.map((r) => r[1])).toEqual(api.forecasts.map((f) => `±${(100 * f.targets[0].halfWidthAfter).toFixed(2)}%`));
    expect(rows.map((r) => Number(r[2]))).toEqual(api.forecasts.map((f) => f.runs));
    // (A larger budget may buy fewer, larger runs: the design is told its budget.) Each buys runs within
    // what it adds, and narrows the interval.
    for (const [i, f] of api.forecasts.entries()) {
      expect(f.runs).toBeGreaterThan(0);
      expect(f.cost).toBeLessThanOrEqual(f.budget - spent);
      expect(rows[i][3]).toBe(f.cost.toExponential(2).replace('e+', 'e'));
      expect(f.targets[0].halfWidthAfter).toBeLessThan(f.targets[0].halfWidthNow);
    }
    expect(await page.textContent('#more-note')).toContain(`(now ±${(100 * api.forecasts[0].targets[0].halfWidthNow).toFixed(2)}%`);
  }, 90_000);

  // Last: it adds a second sweep, which the front page would list first.
  it("shows the sweep's warnings under its title (here: no live worker in its pool)", async () => {
    const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...spec, name: 'no-workers', pool: 'nobody' }) });
    const { id } = (await res.json()) as { id: string };
    const warned = await waitFor('the no-live-workers warning', async () => {
      const s = (await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json()) as { warnings: { code: string; message: string }[] };
      return s.warnings.find((w) => w.code === 'no-live-workers');
    });
    await page.goto(`${stack.baseUrl}/sweeps/${id}/view`);
    await page.locator('#warnings .warning.no-live-workers').waitFor({ timeout: 15_000 });
    expect(await page.textContent('#warnings .warning.no-live-workers')).toBe(warned.message);
    await fetch(`${stack.baseUrl}/sweeps/${id}/cancel`, { method: 'POST' });
  }, 60_000);
});
