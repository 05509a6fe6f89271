import { PlannerStack } from './support/planner-stack';

/**
 * Malformed and hostile input against the real planner over HTTP: wrong types, huge arrays,
 * NaN/Infinity as strings, 1e400, absurd ranges, expression laws and cost rules that try to reach
 * JavaScript (import, evaluate, process.exit, constructor chains), prototype-pollution keys, and
 * bad imported runs. Each is a 4xx whose `errors` name the field, and nothing is stored: the sweep
 * count (and a paused sweep's runs) stay as they were, and Object.prototype stays clean (the
 * planner runs in this process, so a pollution would show here).
 * Shell injection through trainer variables: test/worker-command-trainer.e2e-spec.ts
 * ("arguments and environment reach the trainer verbatim, never through a shell").
 */
const valid = {
  name: 'bad-input',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e9, steps: 4 }, D: { min: 1e8, max: 1e11, steps: 4 } },
  budget: 1e20,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 2,
  trainer: { type: 'simulate', secondsPerCost: 0 },
};
const vars = (N: unknown, D: unknown = valid.variables.D) => ({ variables: { N, D } });
const expr = (expression: string, params: Record<string, unknown> = { E: [0.5, 5], A: [1, 1e5], alpha: [0.05, 1] }) => ({ law: { expression, params } });
/** The valid spec over variables P and T instead of N and D (a user's own names), with an expression law over them. */
const ptSpec = {
  ...expr('E + A / P^alpha + B / T^beta', { E: [0.5, 5], A: [1, 1e5], B: [1, 1e6], alpha: [0.05, 1], beta: [0.05, 1] }),
  variables: { P: { min: 1e7, max: 1e9, steps: 4 }, T: { min: 1e8, max: 1e11, steps: 4 } },
  cost: '6 * P * T',
  targets: [{ P: 7e10, T: 1.4e12 }],
  trainer: { type: 'replay', file: 'runs.csv' },
};
const many = <T,>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));
/** The valid spec as JSON text with `"<key>": <raw>` in it, for what JSON.stringify cannot write (1e400, __proto__ keys). */
const raw = (key: string, rawValue: string) => JSON.stringify({ ...valid, [key]: '@RAW@' }).replace('"@RAW@"', rawValue);

type Case = [name: string, body: Record<string, unknown> | string, path: string, message?: RegExp];
/** As objects: jest's it.each would pass `done` as a missing fourth column. */
const rows = (cases: Case[]) => cases.map(([name, patch, path, message]) => ({ name, patch, path, message }));
const specCases: Case[] = [
  ['name of the wrong type', { name: 123 }, 'name'],
  ['empty name', { name: '' }, 'name'],
  ['name of 10 kB', { name: 'x'.repeat(10_000) }, 'name'],
  ['budget "Infinity"', { budget: 'Infinity' }, 'budget', /finite/],
  ['budget "-Infinity"', { budget: '-Infinity' }, 'budget'],
  ['budget "1e400" (a string)', { budget: '1e400' }, 'budget', /finite/],
  ['budget 1e400 (a JSON number)', raw('budget', '1e400'), 'budget'],
  ['negative budget', { budget: -5 }, 'budget'],
  ['budget as an array', { budget: [1e20] }, 'budget'],
  ['variables as an array', { variables: [] }, 'variables'],
  ['variable min "NaN"', vars({ min: 'NaN', max: 1e9 }), 'variables.N.min'],
  ['variable max Infinity', vars({ min: 1e7, max: 'Infinity' }), 'variables.N.max'],
  ['variable min 0 (log scale needs > 0)', vars({ min: 0, max: 1e9 }), 'variables.N.min'],
  ['a million grid steps', vars({ min: 1e7, max: 1e9, steps: 1_000_000 }), 'variables.N.steps'],
  ['steps 2.5', vars({ min: 1e7, max: 1e9, steps: 2.5 }), 'variables.N.steps'],
  ['17 variables', { variables: Object.fromEntries(many(17, (i) => [`V${i}`, { min: 1, max: 2 }] as const)) }, 'variables', /16/],
  ['a variable named "constructor.x"', { variables: { 'constructor.x': { min: 1, max: 2 }, N: valid.variables.N } }, 'variables.constructor.x'],
  ['a variable named __proto__', raw('variables', '{"__proto__":{"min":1,"max":2},"N":{"min":1e7,"max":1e9},"D":{"min":1e8,"max":1e11}}'), 'variables.__proto__', /not allowed/],
  ['a top-level __proto__ key', raw('__proto__', '{"polluted":true}'), '__proto__'],
  ['a top-level constructor key', { constructor: { prototype: { polluted: true } } }, 'constructor', /not allowed/],
  ['no targets', { targets: [] }, 'targets'],
  ['101 targets', { targets: many(101, () => ({ N: 7e10, D: 1.4e12 })) }, 'targets'],
  ['100,001 inline candidates', { candidates: many(100_001, (i) => ({ N: 1e7 + i, D: 1e9 })) }, 'candidates'],
  ['51 constraints', { constraints: many(51, () => 'D / N >= 1') }, 'constraints'],
  ['constraint calling process.exit()', { constraints: ['process.exit() >= 1'] }, 'constraints.0'],
  ['constraint with import()', { constraints: ['import("fs") >= 1'] }, 'constraints.0'],
  ['cost calling evaluate("...")', { cost: 'evaluate("6 * N * D")' }, 'cost'],
  ['cost with a statement after it', { cost: '6 * N * D; process.exit(1)' }, 'cost'],
  ['cost through a constructor chain', { cost: 'constructor.constructor("return process")().exit()' }, 'cost'],
  ['law expression with an unknown symbol', expr('E + A / N^alpha + Z'), 'law.expression', /Z/],
  ['law expression over variables P and T using a symbol that is neither', { ...ptSpec, ...expr('E + A / P^alpha + Z') }, 'law.expression', /unknown symbol "Z" .*nor a variable \(P, T\); give it bounds under params, or declare it under variables/],
  ['law expression with import', expr('import("child_process")'), 'law.expression'],
  ['law expression calling evaluate', expr('E + A / N^alpha + evaluate("1")'), 'law.expression'],
  ['law expression calling process.exit()', expr('E + process.exit(1)'), 'law.expression'],
  ['law expression reaching __proto__', expr('E + A / N^alpha + __proto__'), 'law.expression'],
  ['law parameter bounds "NaN"', expr('E + A / N^alpha', { E: ['NaN', 5], A: [1, 1e5], alpha: [0.05, 1] }), 'law.params.E.0'],
  ['law with 40 parameters', expr('E', Object.fromEntries(many(40, (i) => [`p${i}`, [0, 1]] as const))), 'law.params'],
  ['law name of 1 kB', { law: 'x'.repeat(1000) }, 'law'],
  ['parallelism a billion', { parallelism: 1e9 }, 'parallelism'],
  ['parallelism 2.5', { parallelism: 2.5 }, 'parallelism'],
  ['seed as a string', { seed: 'abc' }, 'seed'],
  ['trainer command as a shell string', { trainer: { type: 'command', command: 'rm -rf / ; echo {N}' } }, 'trainer.command'],
  ['trainer command empty', { trainer: { type: 'command', command: [] } }, 'trainer.command'],
  // A placeholder no run has would fail every run at the worker: refused here, with the valid ones listed.
  ['trainer command with an unknown placeholder {Q}', { trainer: { type: 'command', command: ['/nonexistent/train', '{N}', '{Q}'] } }, 'trainer.command.2', /^unknown placeholder \{Q\} .*variables \(\{N\}, \{D\}\) and \{runId\}, \{sweepId\}, \{runDir\}, \{attempt\}, \{seed\}/],
  ['trainer env with an unknown placeholder', { trainer: { type: 'command', command: ['python3', 'train.py'], env: { OUT: '{run_dir}/out' } } }, 'trainer.env.OUT', /unknown placeholder \{run_dir\}/],
  ['trainer env value of 100 kB', { trainer: { type: 'command', command: ['python3'], env: { X: 'x'.repeat(100_000) } } }, 'trainer.env.X'],
  ['negative stop interval', { stop: { targetRelativeInterval: -1 } }, 'stop.targetRelativeInterval'],
  ['fit loss with shell metacharacters', { fit: { loss: 'huber;rm -rf /' } }, 'fit.loss'],
  ['unknown design', { design: 'evil' }, 'design'],
];
const importCases: Case[] = [
  ['runs as a string', { runs: 'lots' }, 'runs'],
  ['imported N "Infinity"', { runs: [{ N: 'Infinity', D: 1e9, loss: 3 }] }, 'runs.0.N'],
  ['imported loss "NaN"', { runs: [{ N: 1e8, D: 1e9, loss: 'NaN' }] }, 'runs.0.loss'],
  ['imported negative loss', { runs: [{ config: { N: 1e8, D: 1e9 }, loss: -1 }] }, 'runs.0.loss'],
  ['imported loss 1e400', raw('runs', '[{"N":1e8,"D":1e9,"loss":1e400}]'), 'runs.0.loss'],
  ['imported config with a __proto__ key', raw('runs', '[{"config":{"N":1e8,"D":1e9,"__proto__":{"polluted":1}},"loss":3}]'), 'runs.0.config'],
  ['100,001 imported runs', { runs: many(100_001, (i) => ({ N: 1e7 + i, D: 1e9, loss: 3 })) }, 'runs', /100000/],
];

describe('bad input: every hostile spec or import is a clear 4xx and nothing is stored', () => {
  let stack: PlannerStack;
  let pausedId: string;
  const post = (path: string, body: Record<string, unknown> | string, headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const sweepCount = async () => ((await (await fetch(`${stack.baseUrl}/sweeps`)).json()) as unknown[]).length;

  beforeAll(async () => {
    stack = await PlannerStack.start();
    const created = await post('/sweeps?paused=true', valid);
    pausedId = ((await created.json()) as { id: string }).id;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(rows([...specCases, ...importCases]))('$name → 400 naming $path', async ({ patch, path, message }) => {
    const before = await sweepCount();
    const res = await post('/sweeps', typeof patch === 'string' ? patch : { ...valid, ...patch });
    const body = (await res.json()) as { message: string; errors?: { path: string; message: string }[] };
    expect({ status: res.status, body }).toMatchObject({ status: 400 });
    expect(body.errors?.map((e) => `${e.path}: ${e.message}`)).toContainEqual(expect.stringMatching(new RegExp(`^${path.replace(/[.]/g, '\\.')}: `)));
    const error = body.errors?.find((e) => e.path === path);
    expect(error!.message.length).toBeGreaterThan(3);
    if (message) expect(error!.message).toMatch(message);
    expect(await sweepCount()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(rows(importCases))('POST /sweeps/:id/runs with $name → 400 naming $path, no run stored', async ({ patch, path }) => {
    // raw('runs', text) puts the runs last: `..."runs":<text>}`.
    const body = typeof patch === 'string' ? `{"runs":${/"runs":(.*)\}$/.exec(patch)![1]}}` : patch;
    const res = await post(`/sweeps/${pausedId}/runs`, body);
    const answer = (await res.json()) as { errors?: { path: string }[] };
    expect({ status: res.status, answer }).toMatchObject({ status: 400 });
    expect(answer.errors?.map((e) => e.path)).toContain(path);
    expect(await (await fetch(`${stack.baseUrl}/sweeps/${pausedId}/runs`)).json()).toEqual([]);
  });

  it('a spec over variables P and T with an expression law over them is accepted (201), its law over P and T', async () => {
    const res = await post('/sweeps?paused=true', { ...valid, ...ptSpec, name: 'pt' });
    const body = (await res.json()) as { id: string; message?: unknown };
    expect({ status: res.status, message: body.message }).toEqual({ status: 201, message: undefined });
    const sweep = (await (await fetch(`${stack.baseUrl}/sweeps/${body.id}`)).json()) as { law: string; variables: string[] };
    expect(sweep).toMatchObject({ law: 'E + A / P^alpha + B / T^beta', variables: ['P', 'T'] });
  });

  it('a body over the limit is a 413, malformed JSON or a non-object body a 400, and nothing is stored', async () => {
    const before = await sweepCount();
    const huge = await post('/sweeps', { ...valid, name: 'x'.repeat(11 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ message: expect.stringMatching(/large/i), errors: [{ path: '(body)', message: expect.stringMatching(/LAWSWEEP_BODY_LIMIT/) }] });
    const malformed = await post('/sweeps', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ message: 'the body is not valid JSON', errors: [{ path: '(body)', message: expect.stringMatching(/one JSON object/) }] });
    for (const body of ['[1, 2, 3]', 'null', '"spec"', '42']) {
      const res = await post('/sweeps', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    const text = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'name: x' });
    expect(text.status).toBe(400);
    expect(await text.json()).toMatchObject({ errors: [{ path: '(body)', message: expect.stringMatching(/Content-Type: application\/json \(got 'text\/plain'\)/) }] });
    expect(await sweepCount()).toBe(before);
  });

  it('query parameters it does not understand are a 400 naming them, not silently ignored', async () => {
    const before = await sweepCount();
    const maybe = await post('/sweeps?paused=maybe', valid);
    expect(maybe.status).toBe(400);
    expect(await maybe.json()).toMatchObject({ errors: [{ path: 'paused', message: 'must be true or false (got "maybe")' }] });
    expect(await sweepCount()).toBe(before);
    const paused = (await (await post('/sweeps?paused=true', valid)).json()) as { id: string; state: string };
    expect(paused.state).toBe('paused');
    const xml = await fetch(`${stack.baseUrl}/sweeps/${paused.id}/runs?format=xml`);
    expect(xml.status).toBe(400);
    expect(await xml.json()).toMatchObject({ errors: [{ path: 'format', message: 'must be json or csv (got "xml")' }] });
    expect((await fetch(`${stack.baseUrl}/sweeps/${paused.id}/runs?format=json`)).status).toBe(200);
  });
});
