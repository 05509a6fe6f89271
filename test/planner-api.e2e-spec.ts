import type { ErrorJson, SweepJson } from './support/planner-api';
import { PlannerStack } from './support/planner-stack';

/**
 * The REST API's contract for bad input: every invalid spec is a 400 whose `errors` name the field
 * (`path`) with a message; unknown ids are 404; with a token, writes need it; a bad environment
 * stops the planner at boot naming the variable.
 */
const valid = {
  name: 'api-test',
  law: 'chinchilla',
  variables: { N: { min: 1e7, max: 1e9, steps: 4 }, D: { min: 1e8, max: 1e11, steps: 4 } },
  budget: 1e20,
  targets: [{ N: 7e10, D: 1.4e12 }],
  parallelism: 2,
  trainer: { type: 'simulate', secondsPerCost: 0 },
};

// Every row has four cells: jest passes a `done` callback to a test whose arity exceeds its row.
const cases: [string, Record<string, unknown>, string, RegExp | undefined][] = [
  ['unknown law', { law: 'chinchila' }, 'law', /chinchila/],
  ['bad expression', { law: { expression: 'E + A / N^', params: { E: [0.5, 5], A: [1, 1e5] } } }, 'law.expression', undefined],
  ['inverted range', { variables: { N: { min: 1e9, max: 1e7 }, D: { min: 1e8, max: 1e11 } } }, 'variables.N.max', /max/],
  ['budget below the cheapest run', { budget: 1 }, 'budget', /cheapest/],
  ['unknown variable in a constraint', { constraints: ['D / M >= 1'] }, 'constraints.0', /M/],
  ['unknown variable in a target', { targets: [{ N: 7e10, D: 1.4e12, M: 3 }] }, 'targets.0.M', undefined],
  ['target missing a variable', { targets: [{ N: 7e10 }] }, 'targets.0.D', undefined],
  ['unknown variable in the cost', { cost: '6 * N * Q' }, 'cost', undefined],
  ['wrong type', { parallelism: 'four' }, 'parallelism', undefined],
  ['NaN', { budget: 'NaN' }, 'budget', undefined],
  ['negative min', { variables: { N: { min: -1, max: 1e9 }, D: { min: 1e8, max: 1e11 } } }, 'variables.N.min', undefined],
  ['no trainer', { trainer: undefined }, 'trainer', undefined],
  ['unknown trainer', { trainer: { type: 'ssh' } }, 'trainer.type', undefined],
  ['misspelt field', { budgte: 1 }, 'budgte', /spelling/],
  ['candidates as a server-side path', { candidates: 'pool.csv' }, 'candidates', /inline/],
  ['bad pool name', { pool: 'GPU pool!' }, 'pool', undefined],
  ['imported run without a loss', { runs: [{ N: 1e8, D: 1e9 }] }, 'runs.0.loss', undefined],
  ['imported run with an unknown variable', { runs: [{ config: { N: 1e8, D: 1e9, M: 1 }, loss: 3 }] }, 'runs.0.config', undefined],
];

describe('planner API errors', () => {
  let stack: PlannerStack;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stack.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

  beforeAll(async () => {
    stack = await PlannerStack.start({ planner: { token: 'secret-token-1' } });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it.each(cases)('%s: 400 (patch %j) naming path %s', async (_name, patch, path, message) => {
    const res = await post('/sweeps', { ...valid, ...patch }, { authorization: 'Bearer secret-token-1' });
    const body = (await res.json()) as ErrorJson;
    expect(res.status).toBe(400);
    expect(typeof body.message).toBe('string');
    const error = body.errors.find((e) => e.path === path);
    expect({ path, errors: body.errors, found: !!error }).toMatchObject({ found: true });
    expect(error!.message.length).toBeGreaterThan(3);
    if (message) expect(error!.message).toMatch(message);
  });

  it('a malformed JSON body is a 400, a body over the limit a 413', async () => {
    expect((await post('/sweeps', '{"name": ', { authorization: 'Bearer secret-token-1' })).status).toBe(400);
    const huge = JSON.stringify({ ...valid, name: 'x'.repeat(11 * 1024 * 1024) });
    expect((await post('/sweeps', huge, { authorization: 'Bearer secret-token-1' })).status).toBe(413);
  });

  it('writes need the bearer token (reads do not); unknown ids are 404; bad transitions 409', async () => {
    const noToken = await post('/sweeps', valid);
    expect(noToken.status).toBe(401);
    const refusal = ((await noToken.json()) as ErrorJson).message;
    expect(refusal).toMatch(/Bearer/);
    // The token goes on a subcommand (lawsweep sweep … --token); `lawsweep --token` is no option of the CLI.
    expect(refusal).toMatch(/for the CLI: --token or \$LAWSWEEP_TOKEN/);
    expect((await post('/sweeps', valid, { authorization: 'Bearer wrong-token-1' })).status).toBe(401);
    const created = await post('/sweeps?paused=true', valid, { authorization: 'Bearer secret-token-1' });
    expect(created.status).toBe(201);
    const { id, state } = (await created.json()) as SweepJson;
    expect(state).toBe('paused');
    expect((await fetch(`${stack.baseUrl}/sweeps/${id}`)).status).toBe(200);
    expect((await fetch(`${stack.baseUrl}/sweeps/nope`)).status).toBe(404);
    expect((await fetch(`${stack.baseUrl}/sweeps/nope/runs`)).status).toBe(404);
    const badLast = await fetch(`${stack.baseUrl}/sweeps/${id}/runs?last=0`);
    expect(badLast.status).toBe(400);
    expect(((await badLast.json()) as ErrorJson).errors[0]).toMatchObject({ path: 'last', message: expect.stringMatching(/whole number/) });
    expect((await post('/sweeps/nope/cancel', {}, { authorization: 'Bearer secret-token-1' })).status).toBe(404);
    expect((await post(`/sweeps/${id}/pause`, {}, { authorization: 'Bearer secret-token-1' })).status).toBe(409);
    const cancelled = await post(`/sweeps/${id}/cancel`, {}, { authorization: 'Bearer secret-token-1' });
    expect(await cancelled.json()).toMatchObject({ state: 'cancelled' });
    expect((await post(`/sweeps/${id}/resume`, {}, { authorization: 'Bearer secret-token-1' })).status).toBe(409);
    const health = await (await fetch(`${stack.baseUrl}/health`)).json();
    expect(health).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
    expect((await fetch(`${stack.baseUrl}/docs-json`)).status).toBe(200);
  });

  it('a bad environment stops the planner at boot, naming the variable', async () => {
    const { bootstrapPlanner } = await import('../apps/planner/src/bootstrap');
    await expect(bootstrapPlanner({ redisUrl: 'http://localhost', listen: false, logger: false })).rejects.toThrow(/REDIS_URL: must be a redis:\/\//);
    await expect(bootstrapPlanner({ redisUrl: stack.redis.url, port: 70000, listen: false, logger: false })).rejects.toThrow(/PORT/);
    await expect(bootstrapPlanner({ redisUrl: stack.redis.url, token: 'short', listen: false, logger: false })).rejects.toThrow(/LAWSWEEP_TOKEN: must be at least 8/);
  });
});
