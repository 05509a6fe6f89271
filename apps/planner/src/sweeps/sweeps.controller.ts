import { Body, Controller, Delete, Get, Header, Headers, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { STOP_CAUSES } from '@lawsweep/contracts';
import { SweepReader, type RunRecord } from '@lawsweep/store';
import { badQuery } from './bad-query';
import { ForecastService, MAX_FORECAST_BUDGETS } from './forecast.service';
import { FrontierService } from './frontier.service';
import { MAX_RUNS_PAGE, nextRunsPath, parseRunsQuery, RUNS_QUERY_PARAMETERS } from './runs-query';
import { fitView, runsCsv, runView, sweepView } from './sweep-views';
import { SweepsService } from './sweeps.service';
import { SweepDeletionService } from './sweep-deletion.service';
import { TimeLeftReader } from './time-left';

/** The sweep's budget as GET /sweeps/:id gives it. */
function budgetView(sweep: { budget: number; spent: number; reserved: number }) {
  return { total: sweep.budget, spent: sweep.spent, reserved: sweep.reserved, left: Math.max(sweep.budget - sweep.spent - sweep.reserved, 0) };
}

/** A body that did not arrive as JSON (the parser leaves it undefined): a 400 saying how to send it. */
function requireJsonBody(body: unknown, contentType: string | undefined, what: string): void {
  if (body === undefined && !/json/i.test(contentType ?? '')) {
    throw badQuery('(body)', `send the ${what} as JSON with Content-Type: application/json (got ${contentType ? `'${contentType}'` : 'no Content-Type'})`);
  }
}

/** true/1 and false/0; anything else is a 400 rather than a silent false. */
function booleanQuery(name: string, raw: string | undefined): boolean {
  if (raw === undefined || raw === 'false' || raw === '0') return false;
  if (raw === 'true' || raw === '1') return true;
  throw badQuery(name, `must be true or false (got ${JSON.stringify(raw)})`);
}

/** How many of the failed runs' reasons GET /sweeps/:id lists (the most common). */
const FAILURE_REASONS_SHOWN = 5;

/**
 * The REST API of ARCHITECTURE.md. Bodies are validated by the zod schemas of libs/contracts (the
 * same ones the CLI uses), so errors name the field exactly as the spec reference does.
 */
@ApiTags('sweeps')
@ApiBearerAuth()
@Controller('sweeps')
export class SweepsController {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly reader: SweepReader,
    private readonly frontier: FrontierService,
    private readonly forecasts: ForecastService,
    private readonly deletions: SweepDeletionService,
    private readonly timeLeft: TimeLeftReader,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a sweep from a spec (ARCHITECTURE.md "Sweep spec"); optional `runs` beside it are imported first' })
  @ApiBody({ schema: { type: 'object', example: { name: 'demo', law: 'chinchilla', variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } }, budget: 1e19, targets: [{ N: 7e10, D: 1.4e12 }], trainer: { type: 'simulate' } } } })
  @ApiQuery({ name: 'paused', required: false, description: 'create it paused (import runs, then POST /sweeps/:id/resume)' })
  @ApiResponse({ status: 201, description: 'the sweep, as GET /sweeps/:id' })
  @ApiResponse({ status: 400, description: '{ message, errors: [{ path, message }] }' })
  async create(@Body() body: unknown, @Query('paused') paused?: string, @Headers('content-type') contentType?: string) {
    requireJsonBody(body, contentType, 'spec');
    return sweepView(await this.sweeps.create(body, { paused: booleanQuery('paused', paused) }));
  }

  @Get()
  @ApiOperation({ summary: 'All sweeps, oldest first (a running one with its timeLeft, as GET /sweeps/:id)' })
  async list() {
    const sweeps = await this.sweeps.list();
    const left = await Promise.all(sweeps.map((s) => this.timeLeft.timeLeft(s)));
    return sweeps.map((s, i) => ({ ...sweepView(s), ...(left[i] ? { timeLeft: left[i] } : {}) }));
  }

  @Get(':id')
  @ApiOperation({ summary: `State, why it stopped (stopReason in words, stopCause as a value: ${STOP_CAUSES.join(', ')}; absent on sweeps ended before causes existed), budget (total/spent/reserved/left), runs by state, failed runs' most common reasons, target predictions, warnings; timeLeft (seconds, rate, runRate, until, windowSeconds) while running: how long the rest takes at the last hour's pace, until the budget is spent, the candidates run out or stop.maxRuns is reached` })
  @ApiResponse({ status: 404, description: 'unknown sweep' })
  async get(@Param('id') id: string) {
    const sweep = await this.sweeps.get(id);
    const [reasons, timeLeft] = await Promise.all([this.reader.failureReasons(id, FAILURE_REASONS_SHOWN), this.timeLeft.timeLeft(sweep)]);
    return { ...sweepView(sweep, reasons), ...(timeLeft ? { timeLeft } : {}) };
  }

  @Get(':id/fit')
  @ApiOperation({ summary: 'Fitted parameters with standard errors, modes, target predictions, compute-optimal frontier' })
  async fit(@Param('id') id: string) {
    const sweep = await this.sweeps.get(id);
    return fitView(sweep, this.frontier.frontier(sweep));
  }

  @Get(':id/forecast')
  @ApiOperation({
    summary:
      "What raising the budget would buy, before spending it: for each total budget asked, the runs the sweep's design would plan from its runs (in flight included) and each target's 90% half-width now and after them (linearised at the current fit; see BENCHMARKS.md, forecast calibration)",
  })
  @ApiQuery({ name: 'budget', required: false, description: `total budgets, comma-separated (at most ${MAX_FORECAST_BUDGETS}), each at least spent + reserved; e.g. 2e21,4e21` })
  @ApiQuery({ name: 'interval', required: false, description: 'instead of budget: the least total budget forecast to bring every target within ± this relative 90% half-width (e.g. 0.01)' })
  @ApiResponse({ status: 409, description: 'no fit yet' })
  async forecast(@Param('id') id: string, @Query('budget') raw: string | undefined, @Query('interval') intervalRaw: string | undefined) {
    if (intervalRaw !== undefined) {
      const interval = Number(intervalRaw);
      if (raw !== undefined) throw badQuery('interval', 'ask either ?budget=… or ?interval=…, not both');
      if (!(Number.isFinite(interval) && interval > 0 && interval < 10)) throw badQuery('interval', `must be a relative half-width above 0 and below 10, e.g. 0.01 for ±1% (got ${JSON.stringify(intervalRaw)})`);
      const sweep = await this.sweeps.get(id);
      return { id, budget: budgetView(sweep), ...(await this.forecasts.budgetForInterval(sweep, interval)) };
    }
    const parts = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const budgets = parts.map(Number);
    if (parts.length === 0 || parts.length > MAX_FORECAST_BUDGETS || budgets.some((b) => !(Number.isFinite(b) && b > 0))) {
      throw badQuery('budget', `give 1 to ${MAX_FORECAST_BUDGETS} positive total budgets, comma-separated, e.g. ?budget=2e21,4e21, or ?interval=0.01 for the budget that reaches ±1% (got ${JSON.stringify(raw ?? null)})`);
    }
    const sweep = await this.sweeps.get(id);
    return { id, budget: budgetView(sweep), ...(await this.forecasts.forecast(sweep, budgets)) };
  }

  @Get(':id/runs')
  @ApiOperation({
    summary:
      'Every run with its learning curve (?curves=false: without), in the order they were planned or imported; ?format=csv for CSV. Pages: ?limit=N (at most 10000) and ?after=RUNID; a page that is not the last says where the next begins in X-Next-After (its last run id) and Link rel="next"; the body stays a plain array',
  })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiQuery({ name: 'curves', required: false, enum: ['true', 'false'], description: 'false: runs without their learning curves (default true)' })
  @ApiQuery({ name: 'last', required: false, description: 'only the newest this many runs (the dashboard asks for 300, not for every run of a big sweep); not with limit/after' })
  @ApiQuery({ name: 'limit', required: false, description: `a page of at most this many runs (1 to ${MAX_RUNS_PAGE}); with after alone, ${MAX_RUNS_PAGE}` })
  @ApiQuery({ name: 'after', required: false, description: 'the page after this run id (the X-Next-After header of the page before); from the first run when absent' })
  @ApiResponse({ status: 200, description: 'the runs; on a page that is not the last, headers X-Next-After: RUNID and Link: <…&after=RUNID>; rel="next"' })
  @ApiResponse({ status: 400, description: `{ statusCode, message: 'invalid request', errors: [{ path, message }] }: a bad value or a repeated parameter among ${RUNS_QUERY_PARAMETERS.join(', ')} (any other is ignored), an after that is no run of the sweep` })
  async runs(@Param('id') id: string, @Query() rawQuery: Record<string, unknown>, @Res({ passthrough: true }) res: Response) {
    const query = parseRunsQuery(rawQuery);
    const sweep = await this.sweeps.get(id);
    const withCurves = query.curves && !query.csv;
    let runs: RunRecord[];
    if (query.page) {
      const page = await this.reader.listRunsPage(id, { ...query.page, withCurves });
      if (!page) throw badQuery('after', `no run ${JSON.stringify(query.page.after)} in sweep ${id}`);
      if (page.next !== undefined) {
        res.setHeader('X-Next-After', page.next);
        res.setHeader('Link', `<${nextRunsPath(id, query, page.next)}>; rel="next"`);
      }
      runs = page.runs;
    } else {
      runs = await this.reader.listRuns(id, withCurves, query.last);
    }
    if (!query.csv) return runs.map((r) => runView(r, query.curves));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${id}-runs.csv"`);
    return runsCsv(Object.keys(sweep.spec.variables), runs);
  }

  @Post(':id/runs')
  @HttpCode(200)
  @ApiOperation({ summary: 'Import runs you already have ([{ config, loss }] or [{ N, D, loss }]); configs already known are skipped' })
  importRuns(@Param('id') id: string, @Body() body: unknown) {
    return this.sweeps.importRuns(id, body);
  }

  @Get(':id/history')
  @ApiOperation({ summary: 'Target predictions over spent compute, one point per refit (dashboard); ?from=N: only the points from the Nth (0-based) on. X-History-Length says how many points there are in all' })
  @ApiQuery({ name: 'from', required: false, description: 'skip the first this many points (the history only grows at its end: a reader that has N points asks ?from=N)' })
  async history(@Param('id') id: string, @Query('from') fromRaw: string | undefined, @Res({ passthrough: true }) res: Response) {
    const from = fromRaw === undefined ? 0 : Number(fromRaw);
    if (fromRaw !== undefined && (typeof fromRaw !== 'string' || fromRaw.trim() === '' || !(Number.isSafeInteger(from) && from >= 0))) {
      throw badQuery('from', `must be a whole number of points, 0 or more (got ${JSON.stringify(fromRaw)})`);
    }
    await this.sweeps.get(id);
    const { points, total } = await this.reader.historyFrom(id, from);
    res.setHeader('X-History-Length', String(total));
    return points;
  }

  @Patch(':id')
  @ApiOperation({
    summary:
      'Change budget, parallelism or stop rules (stop.maxRuns, stop.targetRelativeInterval, stop.pauseAfterFailures; null removes one). A done sweep runs again when the change relaxes what may have ended it (more budget, more or no runs, a tighter or no interval) and no other stop rule is still met; the answer is the sweep with `changes`, `reopened`, and `staysDone` (why it stays done) where a relaxed rule was not enough',
  })
  @ApiBody({ schema: { type: 'object', example: { budget: 2e21, parallelism: 8, stop: { targetRelativeInterval: 0.01 } } } })
  @ApiResponse({ status: 200, description: 'the sweep, as GET /sweeps/:id, plus changes: [{ field, from, to }], reopened and (a done sweep that stays so) staysDone' })
  @ApiResponse({ status: 400, description: '{ message, errors: [{ path, message }] }: a field that cannot change, a bad value, a budget below what is spent' })
  @ApiResponse({ status: 409, description: 'the sweep is cancelled or failed' })
  async update(@Param('id') id: string, @Body() body: unknown, @Headers('content-type') contentType?: string) {
    requireJsonBody(body, contentType, 'update');
    const { sweep, changes, reopened, staysDone } = await this.sweeps.update(id, body);
    return { ...sweepView(sweep, await this.reader.failureReasons(id, FAILURE_REASONS_SHOWN)), changes, reopened, ...(staysDone ? { staysDone } : {}) };
  }

  @Post(':id/pause')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async pause(@Param('id') id: string) {
    return sweepView(await this.sweeps.pause(id));
  }

  @Post(':id/resume')
  @HttpCode(200)
  async resume(@Param('id') id: string) {
    return sweepView(await this.sweeps.resume(id));
  }

  @Delete(':id')
  @ApiOperation({
    summary:
      'Delete an ended sweep (done, cancelled, failed) and everything of it: its runs and their curves, observations, history, its jobs left in the queues, its notify messages. Export it first (GET /sweeps/:id/runs, `lawsweep sweep export`): nothing can bring it back',
  })
  @ApiResponse({ status: 200, description: '{ id, deleted: true, runs, runsLeft: 0 }: deleted' })
  @ApiResponse({ status: 202, description: '{ id, deleted: false, runs, runsLeft }: gone from every read already, the rest of its runs are removed in the background (a big sweep); DELETE again to wait for it' })
  @ApiResponse({ status: 404, description: 'unknown sweep (or already deleted)' })
  @ApiResponse({ status: 409, description: 'running or paused (cancel it first: lawsweep sweep cancel ID), or runs still in flight' })
  async remove(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const answer = await this.deletions.delete(id);
    if (!answer.deleted) res.status(202);
    return answer;
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop planning, remove runs not yet started, ask workers to stop the rest' })
  async cancel(@Param('id') id: string) {
    return sweepView(await this.sweeps.cancel(id));
  }
}
