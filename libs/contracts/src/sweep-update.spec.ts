import { parseSweepSpec, type SweepSpec } from './sweep-spec.schema';
import { goOnFromRunsHint, goOnWithMoreBudgetHint, parseSweepUpdate, reopensSweep, stillEnded, UPDATABLE_SWEEP_FIELDS } from './sweep-update';

function spec(extra: Record<string, unknown> = {}): SweepSpec {
  const r = parseSweepSpec({
    name: 'update-test',
    variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
    budget: 1e20,
    targets: [{ N: 7e10, D: 1.4e12 }],
    trainer: { type: 'simulate' },
    stop: { maxRuns: 40 },
    ...extra,
  });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.spec;
}

describe('parseSweepUpdate', () => {
  it('merges budget, parallelism and stop rules into the spec, as creation would parse them, and lists what changed', () => {
    const current = spec();
    const r = parseSweepUpdate({ budget: '3e20', parallelism: 8, stop: { targetRelativeInterval: 0.01, maxRuns: null } }, current);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.spec).toEqual({ ...current, budget: 3e20, parallelism: 8, stop: { targetRelativeInterval: 0.01 } });
    expect(r.changes).toEqual([
      { field: 'budget', from: 1e20, to: 3e20 },
      { field: 'parallelism', from: 4, to: 8 },
      { field: 'stop.maxRuns', from: 40, to: undefined },
      { field: 'stop.targetRelativeInterval', from: undefined, to: 0.01 },
    ]);
    expect(current.budget).toBe(1e20); // the sweep's spec as read is not touched
  });

  it('keeps the stop rules an update does not name, and reports no change for the values the sweep has', () => {
    const current = spec({ stop: { maxRuns: 40, pauseAfterFailures: 3 } });
    const r = parseSweepUpdate({ stop: { maxRuns: 50 }, parallelism: 4 }, current);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.spec.stop).toEqual({ maxRuns: 50, pauseAfterFailures: 3 });
    expect(r.changes).toEqual([{ field: 'stop.maxRuns', from: 40, to: 50 }]);
    const same = parseSweepUpdate({ budget: 1e20 }, current);
    expect(same.ok && same.changes).toEqual([]);
  });

  it.each([
    ['a negative budget', { budget: -1 }, 'budget', 'must be > 0'],
    ['a budget that is no number', { budget: 'lots' }, 'budget', 'must be a number'],
    ['a fractional parallelism', { parallelism: 2.5 }, 'parallelism', 'integer'],
    ['maxRuns 0', { stop: { maxRuns: 0 } }, 'stop.maxRuns', 'greater than 0'],
    ['an unknown stop rule', { stop: { maxRun: 5 } }, 'stop.maxRun', 'unknown stop rule'],
    ['stop that is no object', { stop: 5 }, 'stop', 'must be an object'],
    ['the law', { law: 'gadre' }, 'law', 'cannot change on an existing sweep'],
    ['the targets', { targets: [{ N: 1e11, D: 2e12 }] }, 'targets', 'create a new sweep'],
    ['constraints (unset in the spec)', { constraints: ['D / N >= 5'] }, 'constraints', 'cannot change'],
    ['runs', { runs: [] }, 'runs', 'POST /sweeps/:id/runs'],
    ['a misspelt field', { budgt: 1e21 }, 'budgt', "unknown field 'budgt'"],
    ['an empty update', {}, '(body)', 'nothing to change'],
    ['an array', [1], '(body)', 'must be a JSON object'],
  ])('refuses %s, naming the field', (_what, body, path, message) => {
    const r = parseSweepUpdate(body, spec());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const error = r.errors.find((e) => e.path === path);
    expect(error).toBeDefined();
    expect(error?.message).toContain(message);
  });

  it('every updatable field is one the spec has', () => {
    const s = spec({ stop: { maxRuns: 1, targetRelativeInterval: 0.5, pauseAfterFailures: 2 } });
    for (const f of UPDATABLE_SWEEP_FIELDS) {
      const [head, tail] = f.split('.');
      const value = tail ? (s as unknown as Record<string, Record<string, unknown>>)[head][tail] : (s as unknown as Record<string, unknown>)[head];
      expect(typeof value).toBe('number');
    }
  });

  it('reopens a done sweep only for a change that relaxes what may have ended it', () => {
    expect(reopensSweep([{ field: 'budget', from: 1, to: 2 }])).toBe(true);
    expect(reopensSweep([{ field: 'budget', from: 2, to: 1.5 }])).toBe(false);
    expect(reopensSweep([{ field: 'stop.maxRuns', from: 5, to: 9 }])).toBe(true);
    expect(reopensSweep([{ field: 'stop.maxRuns', from: 5, to: undefined }])).toBe(true);
    expect(reopensSweep([{ field: 'stop.maxRuns', from: 9, to: 5 }])).toBe(false);
    expect(reopensSweep([{ field: 'stop.maxRuns', from: undefined, to: 5 }])).toBe(false);
    expect(reopensSweep([{ field: 'stop.targetRelativeInterval', from: 0.02, to: 0.01 }])).toBe(true);
    expect(reopensSweep([{ field: 'stop.targetRelativeInterval', from: 0.01, to: undefined }])).toBe(true);
    expect(reopensSweep([{ field: 'stop.targetRelativeInterval', from: undefined, to: 0.01 }])).toBe(false);
    expect(reopensSweep([{ field: 'parallelism', from: 4, to: 8 }, { field: 'stop.pauseAfterFailures', from: 5, to: 2 }])).toBe(false);
  });
});

describe('stillEnded: a done sweep stays done while another stop rule is still met', () => {
  it('names the rule still met, and the flag that relaxes it', () => {
    expect(stillEnded(spec(), { planned: 40 })).toBe("stop.maxRuns (40) is still reached (40 runs planned): raise it too (--max-runs, or 'none')");
    expect(stillEnded(spec(), { planned: 39 })).toBeUndefined();
    expect(stillEnded(spec({ stop: {} }), { planned: 400 })).toBeUndefined();
    const interval = spec({ stop: { targetRelativeInterval: 0.01 } });
    expect(stillEnded(interval, { planned: 12, widestInterval: 0.008 })).toBe("every target is already within stop.targetRelativeInterval (±0.8% of ±1%): tighten it too (--target-interval, or 'none')");
    expect(stillEnded(interval, { planned: 12, widestInterval: 0.012 })).toBeUndefined();
    expect(stillEnded(interval, { planned: 12 })).toBeUndefined(); // no fit: nothing says it is met
    const spent = { planned: 12, stopReason: 'budget exhausted: no candidate run fits in what is left' };
    expect(stillEnded(spec({ stop: {} }), { ...spent, budgetRaised: false })).toBe('it ended because budget exhausted: no candidate run fits in what is left: raise the budget too (--budget)');
    expect(stillEnded(spec({ stop: {} }), { ...spent, budgetRaised: true })).toBeUndefined();
  });

  it('decides by the stop cause, whatever its reason says', () => {
    const open = spec({ stop: {} });
    for (const stopCause of ['budget', 'candidatesTried'] as const) {
      const ended = { planned: 12, stopCause, stopReason: 'the money ran out' };
      expect(stillEnded(open, { ...ended, budgetRaised: false })).toBe('it ended because the money ran out: raise the budget too (--budget)');
      expect(stillEnded(open, { ...ended, budgetRaised: true })).toBeUndefined();
    }
    // Words that once meant "budget" do not, beside another cause.
    expect(stillEnded(open, { planned: 12, stopCause: 'interval', stopReason: 'budget exhausted: no candidate run fits in what is left' })).toBeUndefined();
    expect(stillEnded(open, { planned: 12, stopCause: 'noUsefulRun', stopReason: 'every candidate config the budget still pays for was tried' })).toBeUndefined();
    // Every candidate config run: no update adds one, whatever it raises.
    expect(stillEnded(open, { sweepId: 'sw-1', planned: 30, stopCause: 'candidatesRun', stopReason: 'all 30 configs done', budgetRaised: true })).toBe(
      `it ended because all 30 configs done: no update adds a config to run; to go on, ${goOnFromRunsHint('sw-1')}`,
    );
  });

  it('reads the reason of a sweep stored before stop causes (no cause)', () => {
    const tried = { planned: 12, stopReason: "every candidate config the budget still pays for was tried (a failed run's config is not retried: see the runs' reasons)" };
    expect(stillEnded(spec({ stop: {} }), tried)).toMatch(/^it ended because every candidate config the budget still pays for was tried .*: raise the budget too \(--budget\)$/);
    expect(stillEnded(spec({ stop: {} }), { ...tried, budgetRaised: true })).toBeUndefined();
    expect(stillEnded(spec({ stop: {} }), { planned: 12, stopReason: 'no useful run left to buy' })).toBeUndefined();
  });
});

describe('goOnWithMoreBudgetHint', () => {
  const moreBudget = 'lawsweep sweep forecast sw-1 --budget 2.00e20 (what more budget buys), then lawsweep sweep update sw-1 --budget B';
  const moreRuns = "lawsweep sweep update sw-1 --max-runs M (above 12, or 'none'); add --budget B if the budget is spent too (lawsweep sweep forecast sw-1 --budget 2.00e20 says what it buys)";
  const tighter = 'lawsweep sweep forecast sw-1 --interval R (what a tighter interval costs), then lawsweep sweep update sw-1 --target-interval R --budget B';

  it('says how to go on by what ended the sweep (its stop cause), whatever its reason says', () => {
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20')).toBe(moreBudget);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopCause: 'budget', stopReason: 'maxRuns (12) reached', planned: 12 })).toBe(moreBudget);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopCause: 'candidatesTried', stopReason: 'tried them all', planned: 12 })).toBe(moreBudget);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopCause: 'maxRuns', stopReason: 'ran the twelve runs asked for', planned: 12 })).toBe(moreRuns);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopCause: 'interval', stopReason: 'precise enough', planned: 12 })).toBe(tighter);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopCause: 'candidatesRun', stopReason: 'all 30 configs done', planned: 30 })).toBe(
      `every candidate config has been run: ${goOnFromRunsHint('sw-1')}`,
    );
  });

  it('reads the reason of a sweep stored before stop causes (no cause)', () => {
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopReason: 'budget exhausted: no candidate run fits in what is left', planned: 12 })).toBe(moreBudget);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopReason: 'maxRuns (12) reached' })).toBe(moreRuns);
    expect(goOnWithMoreBudgetHint('sw-1', '2.00e20', { stopReason: "every target's 90% interval is within ±0.95% (asked ±1.00%)" })).toBe(tighter);
  });

  it('is self-contained: its source alone runs (the dashboard page embeds it)', () => {
    const embedded = new Function(`${goOnWithMoreBudgetHint.toString()}; return goOnWithMoreBudgetHint;`)() as typeof goOnWithMoreBudgetHint;
    const ends = [undefined, { stopCause: 'maxRuns', planned: 12 }, { stopReason: 'maxRuns (12) reached' }, { stopCause: 'interval' }, { stopCause: 'candidatesRun' }, { stopCause: 'budget' }] as const;
    for (const end of ends) expect(embedded('sw-1', '2.00e20', end)).toBe(goOnWithMoreBudgetHint('sw-1', '2.00e20', end));
  });
});
