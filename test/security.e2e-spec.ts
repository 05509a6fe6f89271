import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { runQueueName, WORKER_REGISTRY_KEY } from '@lawsweep/contracts';
import { bootstrapPlanner } from '../apps/planner/src/bootstrap';
import { redisOptionsFromUrl as plannerRedisOptions } from '../apps/planner/src/redis/redis-options';
import { redisOptionsFromUrl as workerRedisOptions } from '../apps/worker/src/redis/redis-options';
import { Child, ROOT, SpawnedStack, waitFor } from './faults/support/spawned-stack';
import { BUILT, ensureBuilt } from './support/built';
import { freePort } from './support/redis-server';
import { auditSweep, timedSpec, waitForSweepEnd } from './faults/support/sweep-invariants';

/**
 * The planner and workers as deployed (built processes, configured by environment) on a Redis that
 * requires a password: every state-changing route needs the bearer token (enumerated from the
 * planner's own OpenAPI document, so a new route cannot slip through), reads too when
 * LAWSWEEP_PROTECT_READS is on (never /health or /health/live), the worker app and the `lawsweep worker` CLI
 * connect with the password, and neither job data nor a trainer's environment carries a secret.
 */
const TOKEN = 'tok-3f9a1c7e5b2d4a60';
const PASSWORD = 'redis-pw-8c1e0f2a';

describe('security: token, protected reads, Redis password, no secrets in jobs', () => {
  let stack: SpawnedStack;
  let dumpDir: string;
  let pausedId: string;
  const req = (path: string, init: { method?: string; auth?: string; body?: unknown } = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', ...(init.auth !== undefined ? { authorization: init.auth } : {}) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  beforeAll(async () => {
    dumpDir = mkdtempSync(join(tmpdir(), 'lawsweep-envdump-'));
    stack = await SpawnedStack.start({ password: PASSWORD });
    expect(stack.redis.url).toContain(PASSWORD);
    await stack.startPlanner({ LAWSWEEP_TOKEN: TOKEN, LAWSWEEP_PROTECT_READS: 'true' });
    const created = await req('/sweeps?paused=true', { method: 'POST', auth: `Bearer ${TOKEN}`, body: timedSpec('paused') });
    expect(created.status).toBe(201);
    pausedId = ((await created.json()) as { id: string }).id;
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dumpDir, { recursive: true, force: true });
  });

  it('every state-changing route of the OpenAPI document answers 401 without the right token', async () => {
    const doc = (await (await req('/docs-json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const writes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).filter((m) => !['get', 'head', 'options'].includes(m)).map((m) => [m.toUpperCase(), path.replace('{id}', pausedId)] as const));
    expect(writes.map(([m, p]) => `${m} ${p}`)).toEqual(expect.arrayContaining([`POST /sweeps`, `POST /sweeps/${pausedId}/runs`, `POST /sweeps/${pausedId}/cancel`, `PATCH /sweeps/${pausedId}`]));
    const wrong = [undefined, '', `Bearer ${TOKEN.slice(0, -1)}x`, `Bearer ${TOKEN.slice(0, 8)}`, `Bearer ${TOKEN}0`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, TOKEN];
    for (const [method, path] of writes) {
      for (const auth of wrong) {
        const res = await req(path, { method, auth, body: {} });
        expect({ method, path, auth, status: res.status }).toEqual({ method, path, auth, status: 401 });
      }
    }
    // A forecast is a read that costs compute: guarded like the writes.
    for (const auth of wrong) expect((await req(`/sweeps/${pausedId}/forecast?budget=1e21`, { auth })).status).toBe(401);
    // The right token passes the guard (then the body is judged: 400 for an empty spec).
    expect((await req('/sweeps', { method: 'POST', auth: `Bearer ${TOKEN}`, body: {} })).status).toBe(400);
    expect((await req(`/sweeps/${pausedId}/runs`, { method: 'POST', auth: `bearer ${TOKEN}`, body: [] })).status).toBe(200);
  });

  it('reads need the token when LAWSWEEP_PROTECT_READS is on; /health and /health/live never do', async () => {
    for (const path of ['/sweeps', `/sweeps/${pausedId}`, `/sweeps/${pausedId}/runs`, `/sweeps/${pausedId}/fit`, '/workers', '/metrics']) {
      expect({ path, status: (await req(path)).status }).toEqual({ path, status: 401 });
      expect({ path, status: (await req(path, { auth: `Bearer ${TOKEN}` })).status }).toEqual({ path, status: 200 });
    }
    expect((await req('/health')).status).toBe(200);
    expect((await req('/health/live')).status).toBe(200);
  });

  it('reads and /metrics stay open by default; protecting reads without a token is refused at boot', async () => {
    const open = await bootstrapPlanner({ redisUrl: stack.redis.url, token: TOKEN, port: 0, host: '127.0.0.1', logger: false });
    try {
      const addr = open.getHttpServer().address();
      const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
      expect((await fetch(`${base}/sweeps/${pausedId}`)).status).toBe(200);
      expect((await fetch(`${base}/metrics`)).status).toBe(200);
      expect((await fetch(`${base}/sweeps/${pausedId}/pause`, { method: 'POST' })).status).toBe(401);
    } finally {
      await open.close();
    }
    await expect(bootstrapPlanner({ redisUrl: stack.redis.url, protectReads: true, listen: false, logger: false })).rejects.toThrow(/LAWSWEEP_PROTECT_READS: .*LAWSWEEP_TOKEN/);
  });

  it('the worker app and the `lawsweep worker` CLI run a sweep through the password-protected Redis; no secret reaches job data or a trainer', async () => {
    // A deployment that shares one env file: the worker's environment holds the token too.
    const app = await stack.startWorker({ LAWSWEEP_TOKEN: TOKEN });
    // The CLI's --redis flag wins over a wrong REDIS_URL in the environment.
    const cli = await stack.startWorker({ WORKER_ID: 'cli-worker', REDIS_URL: 'redis://127.0.0.1:1' }, join(ROOT, 'bin/lawsweep.js'), ['worker', '--redis', stack.redis.url]);
    expect(app.name).not.toBe(cli.name);

    // Each run holds its slot for 2 s before dumping its environment. Both workers are in the
    // registry (consuming) before the sweep exists, each takes at most WORKER_CONCURRENCY=2 runs at
    // once (startWorker's default; the CLI reads it too), and the planner's first wave puts
    // parallelism=4 runs on the queue together: one worker can hold only two of them, and the
    // other two wait until a slot frees 2 s later, while the idle worker, blocked on the queue,
    // takes them at once. So both workers run runs of this sweep.
    const script = join(__dirname, 'faults/fixtures/env-dump.sh');
    const trainer = { type: 'command', command: ['sh', '-c', 'sleep 2 && exec sh "$0"', script], env: { DUMP_DIR: dumpDir } };
    const created = await req('/sweeps', { method: 'POST', auth: `Bearer ${TOKEN}`, body: timedSpec('secrets', { trainer, stop: { maxRuns: 6 }, parallelism: 4 }) });
    const { id } = (await created.json()) as { id: string };
    await waitForSweepEnd(stack.store, id, 60_000, () => stack.logs());
    const audit = await auditSweep(stack, id);
    expect(audit.byState).toEqual({ done: 6 });
    expect([...new Set(audit.runs.map((r) => r.worker))].sort()).toEqual([app.name, cli.name].sort());

    const connection = { host: '127.0.0.1', port: stack.redis.port, password: PASSWORD };
    const runs = new Queue(runQueueName(), { connection });
    try {
      // Run jobs are kept after completion; result jobs are removed once recorded, so what they
      // carried is checked where it went: every run record with its learning curve.
      const jobs = (await runs.getCompleted()).filter((j) => j.data.sweepId === id);
      expect(jobs.length).toBe(6);
      const recorded = await Promise.all(audit.runs.map((r) => stack.reader.getRun(r.id, true)));
      expect(recorded.filter((r) => r?.state === 'done')).toHaveLength(6);
      for (const data of [...jobs.map((j) => j.data), ...recorded]) {
        const text = JSON.stringify(data);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(TOKEN);
        expect(text).not.toMatch(/REDIS_URL|LAWSWEEP_TOKEN|redis:\/\//);
      }
      const runJob = (await runs.getCompleted()).find((j) => j.data.sweepId === id)!;
      expect(Object.keys(runJob.data).sort()).toEqual(['config', 'cost', 'runId', 'seed', 'sweepId', 'trainer']);
    } finally {
      await runs.close();
    }
    const dumps = readdirSync(dumpDir).filter((f) => f.startsWith(id));
    expect(dumps.length).toBe(6);
    for (const f of dumps) {
      const env = readFileSync(join(dumpDir, f), 'utf8');
      expect(env).toContain(`LAWSWEEP_SWEEP_ID=${id}`);
      expect({ f, password: env.includes(PASSWORD), token: env.includes(TOKEN), redisUrl: /^REDIS_URL=/m.test(env) }).toEqual({ f, password: false, token: false, redisUrl: false });
    }
  }, 90_000);

  it('a wrong Redis password stops a worker at boot, naming REDIS_URL without printing the password', async () => {
    const wrong = stack.redis.url.replace(PASSWORD, 'not-the-password-77');
    const child = stack.spawnNode('wrong-pw', join(ROOT, 'dist/apps/worker/src/main.js'), { REDIS_URL: wrong, WORKER_ID: 'wrong-pw' });
    await waitFor('the worker to give up', () => !child.alive, 40_000, 200);
    expect(child.proc.exitCode).not.toBe(0);
    expect(child.output).toMatch(/REDIS_URL/);
    expect(child.output).not.toContain('not-the-password-77');
  }, 45_000);

  it('rediss:// URLs turn TLS on, and URL-encoded credentials reach Redis decoded, in planner and worker alike', () => {
    for (const parse of [plannerRedisOptions, workerRedisOptions]) {
      expect(parse('rediss://user:p%40ss%3Aword@redis.example:6380/2')).toMatchObject({ host: 'redis.example', port: 6380, username: 'user', password: 'p@ss:word', db: 2, tls: {} });
      expect(parse('redis://:pw@127.0.0.1:6379').tls).toBeUndefined();
    }
  });
});

/**
 * TLS for real: a redis-server that only speaks TLS (self-signed certificate made here with
 * openssl, trusted through NODE_EXTRA_CA_CERTS), and the built planner and worker reaching it
 * with a rediss:// URL.
 */
describe('security: rediss:// to a TLS-only Redis', () => {
  let dir: string;
  let redis: ChildProcess | undefined;
  let port: number;
  let client: Redis;
  const children: Child[] = [];

  beforeAll(async () => {
    ensureBuilt(BUILT.planner, BUILT.worker);
    dir = mkdtempSync(join(tmpdir(), 'lawsweep-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
    port = await freePort();
    redis = spawn('redis-server', ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem'), '--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no', '--save', '', '--dir', dir], { stdio: 'ignore' });
    client = new Redis({ host: '127.0.0.1', port, tls: { ca: readFileSync(join(dir, 'cert.pem')) }, maxRetriesPerRequest: null });
    client.on('error', () => undefined);
    await waitFor('the TLS redis-server', () => client.ping().then((r) => r === 'PONG').catch(() => false), 15_000, 100);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) await c.kill();
    client?.disconnect();
    redis?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const spawnApp = (name: string, app: string, env: Record<string, string>) => {
    const proc = spawn(process.execPath, [join(ROOT, `dist/apps/${app}/src/main.js`)], { env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'), REDIS_URL: `rediss://127.0.0.1:${port}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const child = new Child(name, proc);
    children.push(child);
    return child;
  };

  it('the planner and a worker connect over TLS (and a plain redis:// URL to the same port does not)', async () => {
    const httpPort = await freePort();
    const planner = spawnApp('tls-planner', 'planner', { PORT: String(httpPort), HOST: '127.0.0.1' });
    await waitFor(`planner /health over TLS\n${planner.output}`, () => fetch(`http://127.0.0.1:${httpPort}/health`).then(async (r) => r.ok && ((await r.json()) as { info?: { redis?: { status?: string } } }).info?.redis?.status === 'up').catch(() => false), 40_000, 200);
    spawnApp('tls-worker', 'worker', { WORKER_ID: 'tls-worker' });
    await waitFor('the TLS worker in the registry', async () => (await client.hexists(WORKER_REGISTRY_KEY, 'tls-worker')) === 1, 40_000, 200);
    const plain = spawnApp('plain-worker', 'worker', { WORKER_ID: 'plain-worker', REDIS_URL: `redis://127.0.0.1:${port}` });
    await waitFor('the plain worker to give up', () => !plain.alive, 40_000, 200);
    expect(await client.hexists(WORKER_REGISTRY_KEY, 'plain-worker')).toBe(0);
  }, 90_000);
});
