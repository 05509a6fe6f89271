import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { cancelKey, DEFAULT_POOL, FAILING_RUNS_WARNING, goOnFromRunsHint, parseImportedRuns, parseSweepSpec, parseSweepUpdate, reopensSweep, roundUpSignificant, stillEnded, type SpecError, type StopReason, type SweepFieldChange, type SweepSpec } from '@lawsweep/contracts';
import { relativeHalfWidth, validateSweepSpecSemantics } from '@lawsweep/design';
import { SweepStore, type SweepRecord } from '@lawsweep/store';
import { PlanningLoopService } from '../planning/planning-loop.service';
import { RunQueuesService } from '../queues/run-queues.service';
import { RedisConnection } from '../redis/redis-connection';

/** Long enough to outlive any run of the cancelled sweep (workers poll it; see libs/contracts). */
const CANCEL_KEY_TTL_S = 7 * 24 * 3600;
/** Concurrent updates of one sweep retry this often before giving up with a 409 (each try is one read and one script). */
const UPDATE_TRIES = 5;

export interface SweepUpdateOutcome {
  sweep: SweepRecord;
  changes: SweepFieldChange[];
  /** The sweep had ended (done) and runs again under its new budget or stop rules. */
  reopened: boolean;
  /** Why a done sweep whose update relaxed a rule stays done (another rule still ends it: stillEnded). */
  staysDone?: string;
}

/** The widest relative 90% half-width of the sweep's targets under its stored fit (none before a fit). */
function widestInterval(sweep: SweepRecord): number | undefined {
  const predictions = sweep.fit?.predictions ?? [];
  if (predictions.length === 0) return undefined;
  return Math.max(...predictions.map(relativeHalfWidth));
}

/** Four significant digits, rounded up: a floor the user may type back and have accepted. */
const roundUp = (x: number): string => (x > 0 ? roundUpSignificant(x, 4).toPrecision(4) : String(x));

function invalid(message: string, errors: SpecError[]): BadRequestException {
  return new BadRequestException({ statusCode: 400, message, errors });
}

/** The sweep lifecycle behind the REST API: create (with imports), pause, resume, cancel. */
@Injectable()
export class SweepsService {
  private readonly logger = new Logger(SweepsService.name);

  constructor(
    private readonly store: SweepStore,
    private readonly loop: PlanningLoopService,
    private readonly queues: RunQueuesService,
    private readonly redis: RedisConnection,
  ) {}

  /** Structural then semantic validation; a 400 that names every bad field. */
  validate(body: unknown): SweepSpec {
    const parsed = parseSweepSpec(body);
    if (!parsed.ok) throw invalid('invalid sweep spec', parsed.errors);
    const errors = [...validateSweepSpecSemantics(parsed.spec)];
    if (typeof parsed.spec.candidates === 'string') {
      errors.push({ path: 'candidates', message: 'the planner takes candidates inline (an array of configs); `lawsweep sweep create` reads the CSV for you' });
    }
    if (errors.length) throw invalid('invalid sweep spec', errors);
    return parsed.spec;
  }

  /**
   * Creates a sweep. Runs the user already has (`runs` beside the spec) are imported before the
   * sweep starts, so the first plan already learns from them.
   */
  async create(body: unknown, options: { paused?: boolean } = {}): Promise<SweepRecord> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('the body must be a sweep spec (JSON object)', [{ path: '(spec)', message: 'must be an object' }]);
    const { runs: rawRuns, ...specBody } = body as Record<string, unknown>;
    const spec = this.validate(specBody);
    const variables = Object.keys(spec.variables);
    const imported = rawRuns === undefined ? { runs: [], errors: [] } : parseImportedRuns(rawRuns, variables);
    if (imported.errors.length) throw invalid('invalid imported runs', imported.errors);
    const id = await this.store.createSweep(spec, { state: 'paused' });
    if (imported.runs.length) await this.store.importRuns(id, imported.runs);
    if (!options.paused) {
      await this.store.transition(id, ['paused'], 'running');
      void this.loop.schedule(id);
    }
    return this.get(id);
  }

  async get(id: string): Promise<SweepRecord> {
    const sweep = await this.store.getSweep(id);
    if (!sweep) throw new NotFoundException({ statusCode: 404, message: `no sweep with id '${id}' (GET /sweeps lists them)` });
    return sweep;
  }

  list(): Promise<SweepRecord[]> {
    return this.store.listSweeps();
  }

  async importRuns(id: string, body: unknown): Promise<{ imported: number; skipped: number }> {
    const sweep = await this.get(id);
    const { runs, errors } = parseImportedRuns(body, Object.keys(sweep.spec.variables));
    if (errors.length) throw invalid('invalid imported runs', errors);
    const imported = await this.store.importRuns(id, runs);
    if (imported > 0) void this.loop.schedule(id);
    return { imported, skipped: runs.length - imported };
  }

  /**
   * Changes budget, parallelism or stop rules of a sweep (PATCH /sweeps/:id). A raised budget on a
   * sweep that ended (done) reopens it: the planner plans again from the runs it has. A budget
   * below what is spent and reserved, or stop.maxRuns below the runs planned, is a 400 naming the
   * field and the least it may be; a cancelled or failed sweep is a 409. The store checks those
   * against the sweep as it is when the change lands (one script), and refuses a change merged
   * into a spec that another update replaced meanwhile, which is then merged again.
   */
  async update(id: string, body: unknown): Promise<SweepUpdateOutcome> {
    for (let attempt = 1; attempt <= UPDATE_TRIES; attempt++) {
      const sweep = await this.get(id);
      if (sweep.state === 'cancelled' || sweep.state === 'failed') throw this.cannotChange(sweep);
      const parsed = parseSweepUpdate(body, sweep.spec);
      if (!parsed.ok) throw invalid('invalid sweep update', parsed.errors);
      // No semantic check: the fields that may change have none but the budget's "below the cheapest
      // run", which at creation catches a typo and here would hide the store's "below what is spent".
      if (parsed.changes.length === 0) return { sweep, changes: [], reopened: false };
      // A relaxed rule with another one still met (more budget, maxRuns still reached) reopens nothing.
      const staysDone = sweep.state === 'done' && reopensSweep(parsed.changes) ? stillEnded(parsed.spec, { sweepId: id, planned: sweep.planned, widestInterval: widestInterval(sweep), stopReason: sweep.stopReason, stopCause: sweep.stopCause, budgetRaised: parsed.spec.budget > sweep.spec.budget }) : undefined;
      const outcome = await this.store.updateSweep(id, parsed.spec, sweep.specRevision, { reopen: reopensSweep(parsed.changes) && !staysDone });
      if (outcome === 'revision') continue;
      if (outcome === 'missing') throw new NotFoundException({ statusCode: 404, message: `no sweep with id '${id}'` });
      if (outcome.startsWith('budget:')) {
        const committed = Number(outcome.slice('budget:'.length));
        throw invalid('invalid sweep update', [
          { path: 'budget', message: `must be at least ${roundUp(committed)}, what the sweep has spent (${roundUp(sweep.spent)}) and reserved for runs in flight; to stop sooner, cancel or pause it` },
        ]);
      }
      if (outcome.startsWith('maxRuns:')) {
        throw invalid('invalid sweep update', [{ path: 'stop.maxRuns', message: `must be at least ${outcome.slice('maxRuns:'.length)}, the runs the sweep has already planned (or removed, for no limit)` }]);
      }
      if (outcome !== 'ok' && outcome !== 'reopened') throw this.cannotChange({ ...sweep, state: outcome as SweepRecord['state'] });
      const what = parsed.changes.map((c) => `${c.field} ${c.from ?? 'none'} -> ${c.to ?? 'none'}`).join(', ');
      this.logger.log(`sweep ${id} updated: ${what}${outcome === 'reopened' ? ' (it had ended: it runs again)' : ''}`);
      // Not awaited: the answer is the sweep as updated; the plan pass follows (a pass that was deciding
      // to end the sweep under the old spec finds the revision moved and plans again).
      void this.loop.schedule(id);
      const updated = await this.get(id);
      return { sweep: updated, changes: parsed.changes, reopened: outcome === 'reopened', ...(staysDone && updated.state === 'done' ? { staysDone } : {}) };
    }
    throw new ConflictException({ statusCode: 409, message: `sweep ${id} changed ${UPDATE_TRIES} times while this update was being applied; send it again` });
  }

  private cannotChange(sweep: SweepRecord): ConflictException {
    // A failed sweep has no successful run to go on from.
    const next = sweep.state === 'failed' ? 'create a new sweep (lawsweep sweep status shows why its runs failed)' : `to go on from its runs, ${goOnFromRunsHint(sweep.id)}`;
    return new ConflictException({ statusCode: 409, message: `sweep ${sweep.id} is ${sweep.state} and cannot change; ${next}` });
  }

  async pause(id: string): Promise<SweepRecord> {
    await this.move(id, ['running'], 'paused');
    return this.get(id);
  }

  /**
   * Also after the circuit breaker paused it: the failure count starts afresh (the store's
   * transition), and the runs of the streak that paused it are given back (the trainer was fixed:
   * their configs, often the ones the design wanted most, may be planned again, and they no longer
   * count against stop.maxRuns; what they spent stays spent).
   */
  async resume(id: string): Promise<SweepRecord> {
    const before = await this.get(id);
    if (before.state === 'paused' && before.warnings.some((w) => w.code === FAILING_RUNS_WARNING)) {
      const released = await this.store.releaseFailureStreak(id);
      if (released > 0) this.logger.log(`sweep ${id}: ${released} failed run(s) of the streak that paused it given back (their configs may be planned again)`);
    }
    await this.move(id, ['paused'], 'running');
    const sweep = await this.get(id);
    await this.store.setWarnings(id, sweep.warnings.filter((w) => w.code !== FAILING_RUNS_WARNING));
    await this.loop.schedule(id);
    return this.get(id);
  }

  /**
   * Stops planning, removes the runs no worker has started (their reservations are released), and
   * sets the cancel key so workers stop the runs they are training.
   *
   * The key is set before the move, not after: once the sweep is cancelled a DELETE may begin, and
   * its last step removes the key; a key set after that would outlive the sweep (7 days, naming it).
   * It was set after the move so that a refused cancel leaves none: a done sweep that is later
   * reopened (PATCH) would have its runs stopped by it. So a refused move takes the key back, unless
   * the sweep was cancelled meanwhile (another cancel's key). A sweep already cancelled is read
   * again after the key is set: one deleted in between takes it back too.
   */
  async cancel(id: string): Promise<SweepRecord> {
    const sweep = await this.get(id);
    const key = cancelKey(id);
    await this.redis.client.set(key, '1', 'EX', CANCEL_KEY_TTL_S);
    if (sweep.state !== 'cancelled') {
      try {
        await this.move(id, ['running', 'paused'], 'cancelled', { text: 'cancelled by the user', cause: 'user' });
      } catch (err) {
        if ((await this.store.getSweep(id))?.state !== 'cancelled') await this.redis.client.del(key);
        throw err;
      }
    } else if (!(await this.store.getSweep(id))) {
      await this.redis.client.del(key);
      return this.get(id); // 404: deleted meanwhile
    }
    const pool = sweep.spec.pool ?? DEFAULT_POOL;
    for (const run of await this.store.activeRuns(id)) {
      if (await this.queues.removeIfWaiting(pool, run.id)) {
        await this.store.recordResult(id, run.id, { status: 'cancelled', reason: 'cancelled before it started' });
      }
    }
    return this.get(id);
  }

  private async move(id: string, from: SweepRecord['state'][], to: SweepRecord['state'], reason: string | StopReason = ''): Promise<void> {
    const outcome = await this.store.transition(id, from, to, reason);
    if (outcome === 'missing') throw new NotFoundException({ statusCode: 404, message: `no sweep with id '${id}'` });
    if (outcome !== 'ok') throw new ConflictException({ statusCode: 409, message: `sweep ${id} is ${outcome}; only a sweep that is ${from.join(' or ')} can become ${to}` });
  }
}
