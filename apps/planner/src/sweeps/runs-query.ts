import { badQuery } from './bad-query';

/** The query parameters GET /sweeps/:id/runs reads (any other is ignored). */
export const RUNS_QUERY_PARAMETERS = ['format', 'curves', 'last', 'limit', 'after'] as const;
/** The most runs one page holds (`?limit=`): a page of runs with 2,000-point curves is then ~1 GB at worst, so ask curves=false or less. */
export const MAX_RUNS_PAGE = 10_000;
const MAX_LAST = 1_000_000;

/** GET /sweeps/:id/runs's parameters, checked. */
export interface RunsQuery {
  csv: boolean;
  /** Learning curves in the JSON (default true, as before paging existed; CSV never has them). */
  curves: boolean;
  /** Only the newest this many runs (the dashboard's view). */
  last?: number;
  /** A page: at most `limit` runs after the run `after` (from the first when none). */
  page?: { limit: number; after?: string };
}

/**
 * Reads the query of GET /sweeps/:id/runs: a bad value of a parameter it knows is a 400 naming it.
 * One it does not know is ignored, as it always was (a cache-buster such as `?_=1712345678` that
 * HTTP libraries add must keep working); a client that pages should check for X-Next-After or
 * count what it got, since a planner from before paging answers every run to `?limit=N`.
 */
export function parseRunsQuery(query: Record<string, unknown>): RunsQuery {
  const text = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined || typeof v === 'string') return v;
    throw badQuery(name, `give ${name} once, as a plain value (got ${JSON.stringify(v)})`);
  };
  const format = text('format');
  if (format !== undefined && format !== 'json' && format !== 'csv') throw badQuery('format', `must be json or csv (got ${JSON.stringify(format)})`);
  const curvesRaw = text('curves');
  if (curvesRaw !== undefined && !['true', 'false', '1', '0'].includes(curvesRaw)) throw badQuery('curves', `must be true or false (got ${JSON.stringify(curvesRaw)})`);
  const last = wholeNumber('last', text('last'), MAX_LAST);
  const limit = wholeNumber('limit', text('limit'), MAX_RUNS_PAGE);
  const after = text('after');
  if (after === '') throw badQuery('after', 'must be a run id (the X-Next-After of the page before)');
  if (last !== undefined && (limit !== undefined || after !== undefined)) {
    throw badQuery('last', 'ask either ?last=N (the newest runs) or pages (?limit=N&after=RUNID), not both');
  }
  const paged = limit !== undefined || after !== undefined;
  return {
    csv: format === 'csv',
    curves: curvesRaw === undefined || curvesRaw === 'true' || curvesRaw === '1',
    ...(last !== undefined ? { last } : {}),
    ...(paged ? { page: { limit: limit ?? MAX_RUNS_PAGE, ...(after !== undefined ? { after } : {}) } } : {}),
  };
}

/** The path of the page after this one (for the Link header), with the same format and curves. */
export function nextRunsPath(sweepId: string, query: RunsQuery, after: string): string {
  const params = new URLSearchParams();
  if (query.csv) params.set('format', 'csv');
  if (!query.curves) params.set('curves', 'false');
  params.set('limit', String(query.page?.limit ?? MAX_RUNS_PAGE));
  params.set('after', after);
  return `/sweeps/${encodeURIComponent(sweepId)}/runs?${params.toString()}`;
}

function wholeNumber(name: string, raw: string | undefined, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !(Number.isInteger(n) && n >= 1 && n <= max)) throw badQuery(name, `must be a whole number from 1 to ${max} (got ${JSON.stringify(raw)})`);
  return n;
}
