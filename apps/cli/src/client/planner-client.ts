import type { FitView, ForecastAnswer, IntervalBudgetAnswer, HistoryPoint, RunView, SpecErrorBody, SweepDeletionView, SweepUpdateView, SweepView, WorkerView } from './planner-api.types';

/** A request the planner refused (4xx/5xx), with the field errors of a 400 when there are any. */
export class PlannerHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'PlannerHttpError';
  }
}

/** The planner could not be reached at all (connection refused, DNS, a connection that never opened). */
export class PlannerUnreachableError extends Error {
  constructor(readonly baseUrl: string, cause: string) {
    super(`cannot reach the planner at ${baseUrl} (${cause}). Is the planner running? Start it with \`lawsweep planner\` or \`npm run demo\`, or point at another one with --planner URL or LAWSWEEP_PLANNER_URL.`);
    this.name = 'PlannerUnreachableError';
  }
}

/**
 * The planner took the request but did not answer it in time: it runs, slowly (a big sweep, a busy
 * event loop). Not "cannot reach", which sends one looking for a dead service.
 */
export class PlannerTimeoutError extends Error {
  constructor(readonly baseUrl: string, method: string, path: string, readonly timeoutMs: number) {
    super(
      `${method} ${path} timed out after ${timeoutMs / 1000} s: the planner at ${baseUrl} took the request but did not answer in time (it is running, but slow: a big sweep?). Wait longer with --timeout SECONDS (or LAWSWEEP_TIMEOUT_SECONDS).`,
    );
    this.name = 'PlannerTimeoutError';
  }
}

/** How long the CLI waits for each answer of the planner unless --timeout (or LAWSWEEP_TIMEOUT_SECONDS) says otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** One page of GET /sweeps/:id/runs; `next` (the X-Next-After header) is where the next page starts. */
export interface RunsPage {
  runs: RunView[];
  next?: string;
}

const isTimeout = (err: unknown): boolean => (err as { name?: string } | null)?.name === 'TimeoutError';

/**
 * Every HTTP call the CLI makes to a planner goes through this class (Node's global fetch). The
 * token, when given, goes as a Bearer header on every request (the planner asks for it on writes).
 */
export class PlannerClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly token?: string, readonly timeoutMs = DEFAULT_TIMEOUT_MS) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  dashboardUrl(sweepId?: string): string {
    return sweepId ? `${this.baseUrl}/sweeps/${encodeURIComponent(sweepId)}/view` : `${this.baseUrl}/`;
  }

  /** `paused`: created paused (nothing bought until `resume`). */
  createSweep(spec: unknown, options: { paused?: boolean } = {}): Promise<SweepView> {
    return this.json<SweepView>('POST', options.paused ? '/sweeps?paused=true' : '/sweeps', spec);
  }

  listSweeps(): Promise<SweepView[]> {
    return this.json<SweepView[]>('GET', '/sweeps');
  }

  getSweep(id: string): Promise<SweepView> {
    return this.json<SweepView>('GET', `/sweeps/${encodeURIComponent(id)}`);
  }

  getFit(id: string): Promise<FitView> {
    return this.json<FitView>('GET', `/sweeps/${encodeURIComponent(id)}/fit`);
  }

  /** Every run; `curves: false` leaves their learning curves out (most callers show none). */
  getRuns(id: string, options: { curves?: boolean } = {}): Promise<RunView[]> {
    return this.json<RunView[]>('GET', `/sweeps/${encodeURIComponent(id)}/runs${options.curves === false ? '?curves=false' : ''}`);
  }

  async getRunsCsv(id: string): Promise<string> {
    const path = `/sweeps/${encodeURIComponent(id)}/runs?format=csv`;
    const res = await this.request('GET', path);
    return this.body(res, 'GET', path, () => res.text());
  }

  /**
   * One page of runs (JSON, or CSV text with its header row): at most `limit` after the run `after`.
   * A planner without paging answers every run and no next page, which reads as one page.
   */
  async getRunsPage(id: string, page: { limit: number; after?: string; curves?: boolean }): Promise<RunsPage> {
    const { res, path } = await this.runsPage(id, page, 'json');
    const runs = await this.body(res, 'GET', path, () => res.json() as Promise<RunView[]>);
    return { runs, ...nextOf(res) };
  }

  async getRunsCsvPage(id: string, page: { limit: number; after?: string }): Promise<{ csv: string; next?: string }> {
    const { res, path } = await this.runsPage(id, page, 'csv');
    return { csv: await this.body(res, 'GET', path, () => res.text()), ...nextOf(res) };
  }

  /**
   * The history's points from index `from` on (GET /history?from=N). `total` is how many it has in all;
   * undefined from a planner that does not say (it answered the whole history, whatever `from`).
   */
  async getHistoryFrom(id: string, from: number): Promise<{ points: HistoryPoint[]; total?: number }> {
    const path = `/sweeps/${encodeURIComponent(id)}/history${from > 0 ? `?from=${from}` : ''}`;
    const res = await this.request('GET', path);
    const points = await this.body(res, 'GET', path, () => res.json() as Promise<HistoryPoint[]>);
    const total = Number(res.headers.get('x-history-length') ?? NaN);
    return { points, ...(Number.isInteger(total) ? { total } : {}) };
  }

  resumeSweep(id: string): Promise<SweepView> {
    return this.json<SweepView>('POST', `/sweeps/${encodeURIComponent(id)}/resume`);
  }

  getForecast(id: string, budgets: number[]): Promise<ForecastAnswer> {
    // Encoded: String(2e21) is "2e+21", and a bare '+' in a query reads as a space.
    return this.json<ForecastAnswer>('GET', `/sweeps/${encodeURIComponent(id)}/forecast?budget=${encodeURIComponent(budgets.map(String).join(','))}`);
  }

  getBudgetForInterval(id: string, interval: number): Promise<IntervalBudgetAnswer> {
    return this.json<IntervalBudgetAnswer>('GET', `/sweeps/${encodeURIComponent(id)}/forecast?interval=${encodeURIComponent(String(interval))}`);
  }

  /** PATCH /sweeps/:id: budget, parallelism, stop rules (null removes one). */
  updateSweep(id: string, update: { budget?: number; parallelism?: number; stop?: Record<string, number | null> }): Promise<SweepUpdateView> {
    return this.json<SweepUpdateView>('PATCH', `/sweeps/${encodeURIComponent(id)}`, update);
  }

  pauseSweep(id: string): Promise<SweepView> {
    return this.json<SweepView>('POST', `/sweeps/${encodeURIComponent(id)}/pause`);
  }

  /** POST /sweeps/:id/runs: runs the user already has; configs the sweep knows are skipped. */
  importRuns(id: string, runs: unknown): Promise<{ imported: number; skipped: number }> {
    return this.json<{ imported: number; skipped: number }>('POST', `/sweeps/${encodeURIComponent(id)}/runs`, runs);
  }

  /** GET /workers: every worker that advertised itself (live, draining, gone), optionally of one pool. */
  listWorkers(pool?: string): Promise<WorkerView[]> {
    return this.json<WorkerView[]>('GET', `/workers${pool ? `?pool=${encodeURIComponent(pool)}` : ''}`);
  }

  cancelSweep(id: string): Promise<SweepView> {
    return this.json<SweepView>('POST', `/sweeps/${encodeURIComponent(id)}/cancel`);
  }

  /** DELETE /sweeps/:id: `deleted` false when the planner goes on in the background (202). */
  deleteSweep(id: string): Promise<SweepDeletionView> {
    return this.json<SweepDeletionView>('DELETE', `/sweeps/${encodeURIComponent(id)}`);
  }

  /** GET /health: true when the planner answers and reports itself up. */
  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.request(method, path, body);
    return this.body(res, method, path, () => res.json() as Promise<T>);
  }

  private async runsPage(id: string, page: { limit: number; after?: string; curves?: boolean }, format: 'json' | 'csv'): Promise<{ res: Response; path: string }> {
    const params = new URLSearchParams();
    if (format === 'csv') params.set('format', 'csv');
    if (page.curves === false) params.set('curves', 'false');
    params.set('limit', String(page.limit));
    if (page.after !== undefined) params.set('after', page.after);
    const path = `/sweeps/${encodeURIComponent(id)}/runs?${params.toString()}`;
    return { res: await this.request('GET', path), path };
  }

  /** Reads an answer's body: the timeout goes on while it streams in. */
  private async body<T>(res: Response, method: string, path: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (err) {
      if (isTimeout(err)) throw new PlannerTimeoutError(this.baseUrl, method, path, this.timeoutMs);
      throw err;
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (isTimeout(err)) throw new PlannerTimeoutError(this.baseUrl, method, path, this.timeoutMs);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new PlannerUnreachableError(this.baseUrl, cause?.code ?? cause?.message ?? (err as Error).message);
    }
    if (res.ok) return res;
    throw await this.httpError(res, method, path);
  }

  private async httpError(res: Response, method: string, path: string): Promise<PlannerHttpError> {
    const text = await res.text();
    let body: SpecErrorBody = {};
    try {
      body = JSON.parse(text) as SpecErrorBody;
    } catch {
      // Not JSON (a proxy's HTML page): the status line says enough.
    }
    const msg = Array.isArray(body.message) ? body.message.join('; ') : body.message;
    const sweepId = /^\/sweeps\/([^/?]+)/.exec(path)?.[1];
    // Only the planner's own "no sweep" 404: a missing route (an older planner) keeps its message.
    if (res.status === 404 && sweepId !== undefined && /no sweep|unknown sweep/i.test(msg ?? '')) {
      // Said once, with the planner asked: an id from another planner (or another Redis) is the usual cause.
      const id = decodeURIComponent(sweepId);
      return new PlannerHttpError(404, `no sweep '${id}' on the planner at ${this.baseUrl}: \`lawsweep sweep list\` shows its sweeps (--planner URL picks another planner)`);
    }
    const refused = res.status === 401 || res.status === 403;
    const hint = !refused
      ? ''
      : this.token
        ? " The planner did not accept the token sent (--token or LAWSWEEP_TOKEN): it must be the planner's own LAWSWEEP_TOKEN."
        : ' The planner wants a token: pass --token or set LAWSWEEP_TOKEN.';
    // lawsweep's own 401 is written for curl users (the header to send) and names the CLI's flags too:
    // the CLI knows whether it sent a token, so its hint says it once, and rightly. A proxy's 401 or 403
    // (not lawsweep's words) keeps its message.
    if (res.status === 401 && /LAWSWEEP_TOKEN/.test(msg ?? '')) {
      return new PlannerHttpError(401, `${method} ${path} failed: 401 Unauthorized.${hint}`);
    }
    // The planner's field errors are the answer's substance ("budget: 1e19 is below what the sweep has
    // spent…"): in the message, for every command (create, update and import also list them their way).
    const errors = body.errors ?? [];
    const detail = errors.length > 0 ? `: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}` : '';
    return new PlannerHttpError(res.status, `${method} ${path} failed: ${res.status} ${msg ?? res.statusText}${detail}.${hint}`, errors);
  }
}

function nextOf(res: Response): { next?: string } {
  const next = res.headers.get('x-next-after');
  return next ? { next } : {};
}
