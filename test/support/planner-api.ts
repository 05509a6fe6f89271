/** The planner's REST shapes as the end-to-end tests read them (see apps/planner/src/sweeps/sweep-views.ts). */
export interface SweepJson {
  id: string;
  name: string;
  state: string;
  stopReason?: string;
  /** libs/contracts StopCause. */
  stopCause?: string;
  budget: { total: number; spent: number; reserved: number; left: number };
  runs: Record<string, number>;
  targets: { config: Record<string, number>; loss: number | null; lower: number | null; upper: number | null }[];
  warnings: { code: string; message: string }[];
  /** GET /sweeps/:id while running, once a spend rate is measured. */
  timeLeft?: { seconds: number; rate: number; runRate: number; until: 'budget' | 'candidates' | 'maxRuns'; windowSeconds: number };
}
export interface RunJson {
  id: string;
  config: { N: number; D: number } & Record<string, number>;
  state: string;
  loss: number | null;
  cost: number;
  worker: string | null;
  attempts: number;
  requeues: number;
  imported: boolean;
  reason: string | null;
  curve: { tokens?: number; step?: number; loss: number }[];
}
export interface FitJson {
  law: string;
  n: number;
  params: Record<string, number>;
  predictions: { config: Record<string, number>; loss: number; lower: number; upper: number }[];
  /** What the runs so far cannot pin (libs/law fitWarnings). */
  warnings: { code: string; message: string }[];
  /** The fit's compute-optimal frontier (two-variable spaces): per compute level, the config of least predicted loss. */
  frontier: { compute: number; config: Record<string, number>; loss: number }[] | null;
}
export interface ErrorJson {
  statusCode: number;
  message: string;
  errors: { path: string; message: string }[];
}

/** GET/POST JSON against a planner; the caller names the shape it expects. */
export async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}
export async function postJson<T>(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}

/** How many plan passes (propose + reserve + enqueue, one per running sweep) the planner has made: its metrics' count. */
export async function planPasses(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Number(/^lawsweep_plan_duration_seconds_count (\d+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * Waits until the planner has made `n` more plan passes (after results and on its tick). For checks
 * that something does NOT happen: a fixed sleep proves nothing on a slow machine, where the passes
 * that would have done it may not have run yet; counting them does.
 */
export async function afterPlanPasses(baseUrl: string, n: number, ms = 30_000): Promise<void> {
  const start = await planPasses(baseUrl);
  if (!Number.isFinite(start)) throw new Error('no lawsweep_plan_duration_seconds_count in the planner metrics');
  const deadline = Date.now() + ms;
  while ((await planPasses(baseUrl)) < start + n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} plan passes`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Polls GET /sweeps/:id until `done` holds, checking on every read that spent + reserved never
 * exceeds the budget; fails naming `what` and the last state read after `ms`.
 */
export async function waitForSweep(baseUrl: string, id: string, done: (s: SweepJson) => boolean, what: string, ms = 30_000): Promise<SweepJson> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await getJson<SweepJson>(`${baseUrl}/sweeps/${id}`);
    expect(s.budget.spent + s.budget.reserved).toBeLessThanOrEqual(s.budget.total * (1 + 1e-9));
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** A sweep that has stopped planning with nothing in flight. */
export const sweepFinished = (s: SweepJson): boolean => s.state !== 'running' && s.runs.queued + s.runs.running === 0;
