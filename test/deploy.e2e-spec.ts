import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { plannerEnvSchema } from '../apps/planner/src/config/planner-config';
import { bootstrapWorker } from '../apps/worker/src/bootstrap';
import { WORKER_ENV } from '../apps/worker/src/config/worker.config';
import { PlannerStack } from './support/planner-stack';
import { freePort } from './support/redis-server';

const root = resolve(__dirname, '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** `docker compose` (v2 plugin) or `docker-compose` (v1), whichever this machine has. */
function composeCommand(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'version'], { stdio: 'ignore' });
    if (!r.error && r.status === 0) return cmd;
  }
  return null;
}

describe('docker-compose.yml', () => {
  const compose = composeCommand();
  const itCompose = compose ? it : it.skip;
  if (!compose) console.warn('docker compose config not checked: neither `docker compose` nor `docker-compose` is installed (apt-get install -y docker-compose)');

  itCompose('passes `docker compose config`', () => {
    const [bin, ...pre] = compose as string[];
    execFileSync(bin, [...pre, '-f', join(root, 'docker-compose.yml'), 'config', '-q'], { cwd: root, stdio: 'pipe' });
    const services = execFileSync(bin, [...pre, '-f', join(root, 'docker-compose.yml'), 'config', '--services'], { cwd: root, encoding: 'utf8' });
    expect(services.trim().split('\n').sort()).toEqual(['grafana', 'planner', 'prometheus', 'redis', 'worker']);
  });

  it('runs Redis with AOF and noeviction on a volume, and keeps the worker scalable', () => {
    const doc = parseYaml(read('docker-compose.yml'), { merge: true });
    const redis = doc.services.redis;
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.volumes[0]).toMatch(/^redis-data:\/data$/);
    // --scale worker=N needs no fixed container name and no host port.
    expect(doc.services.worker.container_name).toBeUndefined();
    expect(doc.services.worker.ports).toBeUndefined();
    for (const name of Object.keys(doc.services.worker.environment)) expect(knownEnv()).toContain(name);
    for (const name of Object.keys(doc.services.planner.environment)) expect(knownEnv()).toContain(name);
  });

  it("publishes the planner, Prometheus and Grafana on the host's loopback unless LAWSWEEP_BIND says otherwise", () => {
    const doc = parseYaml(read('docker-compose.yml'), { merge: true });
    for (const name of ['planner', 'prometheus', 'grafana']) {
      for (const port of doc.services[name].ports) expect(port).toMatch(/^\$\{LAWSWEEP_BIND:-127\.0\.0\.1\}:\d+:\d+$/);
    }
    expect(doc.services.redis.ports).toBeUndefined();
  });
});

/** Every environment variable the planner and the worker read. */
function knownEnv(): string[] {
  return [...Object.keys(plannerEnvSchema.shape), ...Object.values(WORKER_ENV).map((v) => v.env)];
}

describe('Prometheus and Grafana configuration', () => {
  const prom = parseYaml(read('deploy/prometheus/prometheus.yml'));
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/lawsweep.json'));
  const datasources = parseYaml(read('deploy/grafana/provisioning/datasources/prometheus.yml'));
  const providers = parseYaml(read('deploy/grafana/provisioning/dashboards/lawsweep.yml'));

  it('scrapes the planner and every worker replica on the ports compose gives them', () => {
    const jobs = Object.fromEntries(prom.scrape_configs.map((j: { job_name: string }) => [j.job_name, j]));
    expect(jobs['lawsweep-planner'].static_configs[0].targets).toEqual(['planner:3000']);
    const workerSd = jobs['lawsweep-worker'].dns_sd_configs[0];
    expect(workerSd.names).toEqual(['worker']);
    const compose = parseYaml(read('docker-compose.yml'), { merge: true });
    expect(String(workerSd.port)).toBe(compose.services.worker.environment.WORKER_METRICS_PORT);
  });

  it('provisions the datasource the dashboard uses and the folder the dashboard lives in', () => {
    expect(datasources.datasources[0]).toMatchObject({ type: 'prometheus', uid: 'lawsweep-prometheus', url: 'http://prometheus:9090' });
    expect(providers.providers[0].options.path).toBe('/var/lib/grafana/dashboards');
    const panels = dashboard.panels.filter((p: { type: string }) => p.type !== 'row');
    expect(panels.length).toBeGreaterThanOrEqual(12);
    expect(new Set(dashboard.panels.map((p: { id: number }) => p.id)).size).toBe(dashboard.panels.length);
    for (const p of panels) {
      expect(p.datasource.uid).toBe('lawsweep-prometheus');
      expect(p.targets.length).toBeGreaterThan(0);
    }
    const targets: { expr: string; legendFormat: string }[] = panels.flatMap((p: { targets: unknown[] }) => p.targets);
    for (const t of targets) {
      // Every planner replica exports the same store-read series: summing them counts each once per replica.
      expect(t.expr).not.toMatch(/sum(?: by \([^)]*\))? \(lawsweep_(runs|budget_\w+|sweeps|sweep_info|fit_param\w*|target_loss|queue_jobs|workers)\b/);
      // Runs and fits come once per run (hours): a 5-minute rate is empty between them.
      expect(t.expr).not.toMatch(/rate\(lawsweep_(worker_runs_total|worker_run_duration_seconds_bucket|fit_duration_seconds_bucket|result_to_enqueue_seconds_bucket)\b[^)]*\[5m\]\)/);
      // Refusals and hand-backs take 0 s: a duration quantile is over done runs only.
      if (t.expr.includes('lawsweep_worker_run_duration_seconds_bucket')) expect(t.expr).toContain('outcome="done"');
      if (/lawsweep_(fit_param|target_loss|last_pick|runs_failed)/.test(t.expr)) expect(t.legendFormat).toContain('{{name}}');
    }
    const titles = panels.map((p: { title: string }) => p.title).join(' | ');
    for (const want of [/Budget burn/, /Runs by state/, /Fitted parameters/, /Target .*interval/, /Queue depth/, /Worker utilisation/]) expect(titles).toMatch(want);
  });
});

/**
 * The names the dashboard queries must be names the services export: read from the live /metrics
 * of a planner and a worker (in this process, against a test Redis) after a short sweep, so every
 * labelled series and histogram has samples.
 */
describe('metric names in the Grafana dashboard', () => {
  let stack: PlannerStack;
  let worker: INestApplication;
  let workerPort = 0;
  let runningId = '';
  const runRoot = mkdtempSync(join(tmpdir(), 'lawsweep-deploy-e2e-'));

  beforeAll(async () => {
    stack = await PlannerStack.start();
    workerPort = await freePort();
    worker = await bootstrapWorker({ redisUrl: stack.redis.url, id: 'metrics-worker', concurrency: 2, metricsPort: workerPort, metricsHost: '127.0.0.1', runRoot, heartbeatSeconds: 0.5, logger: false });
    const spec = {
      name: 'metrics-e2e',
      variables: { N: { min: 1e7, max: 1e8, steps: 4 }, D: { min: 1e8, max: 1e10, steps: 5 } },
      budget: 2e18,
      targets: [{ N: 1e9, D: 2e10 }],
      stop: { maxRuns: 12 },
      trainer: { type: 'simulate', truth: 'chinchilla' },
    };
    const res = await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec) });
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    const deadline = Date.now() + 40_000;
    for (;;) {
      const s = (await (await fetch(`${stack.baseUrl}/sweeps/${id}`)).json()) as { state: string; fit: unknown };
      if (s.state !== 'running' && s.fit) break;
      if (Date.now() > deadline) throw new Error(`sweep did not finish: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // A sweep still running, far from its end, with a measured pace: the time-left gauge has samples only then.
    // A 20x20 grid and a budget of 400 of its dearest runs: it cannot run out of candidates or budget
    // (as the 4x5 grid did once, after 11 runs) before its pace is measured. Cancelled in afterAll.
    const slow = {
      ...spec,
      name: 'metrics-e2e-running',
      variables: { N: { min: 1e7, max: 1e8, steps: 20 }, D: { min: 1e8, max: 1e10, steps: 20 } },
      budget: 400 * 6e18,
      stop: { maxRuns: 400 },
      trainer: { type: 'simulate', truth: 'chinchilla', secondsPerCost: 1, maxSeconds: 0.3 },
    };
    const running = (await (await fetch(`${stack.baseUrl}/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(slow) })).json()) as { id: string };
    runningId = running.id;
    for (;;) {
      const s = (await (await fetch(`${stack.baseUrl}/sweeps/${running.id}`)).json()) as { state: string; timeLeft?: unknown };
      if (s.timeLeft) break;
      if (s.state !== 'running' || Date.now() > deadline) throw new Error(`no time left measured on a running sweep: ${JSON.stringify(s)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);

  afterAll(async () => {
    if (runningId) await fetch(`${stack.baseUrl}/sweeps/${runningId}/cancel`, { method: 'POST' }).catch(() => undefined);
    await worker?.close();
    await stack?.stop();
    rmSync(runRoot, { recursive: true, force: true });
  });

  /** Sample names (histograms expanded to _bucket/_sum/_count) with the label names seen on each. */
  function exported(text: string, into: Map<string, Set<string>>): void {
    for (const line of text.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/.exec(line);
      if (!m) continue;
      const labels = into.get(m[1]) ?? new Set<string>();
      for (const pair of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(pair[1]);
      into.set(m[1], labels);
    }
  }

  it('queries only metrics (and labels) that the planner or a worker exports', async () => {
    const names = new Map<string, Set<string>>();
    exported(await (await fetch(`${stack.baseUrl}/metrics`)).text(), names);
    exported(await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text(), names);
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/lawsweep.json'));
    const exprs: string[] = [
      ...dashboard.panels.flatMap((p: { targets?: { expr: string }[] }) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.map((v: { definition: string }) => v.definition),
    ];
    const missing: string[] = [];
    for (const expr of exprs) {
      for (const m of expr.matchAll(/\b(lawsweep_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
        const labels = names.get(m[1]);
        if (!labels) {
          missing.push(`${m[1]} (in ${expr})`);
          continue;
        }
        for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)/g)) if (!labels.has(l[1])) missing.push(`${m[1]} has no label ${l[1]}`);
      }
      for (const by of expr.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const l of by[1].split(',').map((s) => s.trim()).filter((s) => s !== 'le')) {
          if (![...names.entries()].some(([n, ls]) => n.startsWith('lawsweep_') && ls.has(l))) missing.push(`no lawsweep_ metric has label ${l} (in ${expr})`);
        }
      }
    }
    expect(missing).toEqual([]);
    expect(exprs.length).toBeGreaterThan(15);
  });
});

/**
 * The metrics the apps declare (prom-client `name:` in apps/, not specs), with their label names
 * (labelNames, and the worker registry's default labels worker and pool): what a rule may query.
 */
function declaredMetrics(): Map<string, Set<string>> {
  const files = (dir: string): string[] =>
    readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []));
  const out = new Map<string, Set<string>>();
  for (const f of files('apps')) {
    const text = read(f);
    const worker = f.startsWith(join('apps', 'worker'));
    for (const m of text.matchAll(/name: '(lawsweep_[a-z0-9_]+)'/g)) {
      const decl = text.slice(m.index, text.indexOf('})', m.index));
      const labels = /labelNames: \[([^\]]*)\]/.exec(decl)?.[1] ?? '';
      const names = [...labels.matchAll(/'([a-z_]+)'/g)].map((l) => l[1]);
      out.set(m[1], new Set([...names, ...(worker ? ['worker', 'pool'] : [])]));
      const kind = /^new (\w+)/.exec(text.slice(text.lastIndexOf('new ', m.index)))?.[1];
      if (kind === 'Histogram') {
        for (const suffix of ['_bucket', '_sum', '_count']) out.set(m[1] + suffix, new Set([...names, ...(suffix === '_bucket' ? ['le'] : [])]));
      }
    }
  }
  return out;
}

describe('alert rules (deploy/prometheus/rules)', () => {
  const rulesText = read('deploy/prometheus/rules/lawsweep.rules.yml');
  const rules = parseYaml(rulesText) as { groups: { name: string; rules: { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> }[] }[] };
  const all = rules.groups.flatMap((g) => g.rules);
  const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!promtool) console.warn('alert rules not checked by promtool (not installed: apt-get install -y prometheus); names and labels are still checked');
  const itPromtool = promtool ? it : it.skip;

  it('is loaded by prometheus.yml and shipped as the PrometheusRule of deploy/k8s, the same rules', () => {
    expect(parseYaml(read('deploy/prometheus/prometheus.yml')).rule_files).toEqual(['rules/*.rules.yml']);
    const kustomization = parseYaml(read('deploy/k8s/kustomization.yaml'));
    expect(kustomization.resources).toContain('prometheusrule.yaml');
    const rule = parseYaml(read('deploy/k8s/prometheusrule.yaml'));
    expect(rule).toMatchObject({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'lawsweep' } });
    expect(rule.spec).toEqual(rules);
  });

  it('alerts on a down planner, waiting runs with no live worker, old runs, stalled workers and failing runs', () => {
    expect(all.map((r) => r.alert).sort()).toEqual([
      'LawsweepFailedRunsInARow',
      'LawsweepPlannerDown',
      'LawsweepRunTooOld',
      'LawsweepRunsWaitingWithoutLiveWorker',
      'LawsweepSweepPausedByCircuitBreaker',
      'LawsweepWorkerNoProgress',
    ]);
    for (const r of all) {
      expect(['warning', 'critical']).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(r.annotations.description).toBeTruthy();
    }
    expect(all.find((r) => r.alert === 'LawsweepRunTooOld')?.annotations.tune).toMatch(/expected run time/);
    // No redis_exporter is scraped: its rule stays a comment until one is.
    expect(rulesText).toMatch(/^\s*# - alert: LawsweepRedisMemoryHigh/m);
  });

  it('queries only metrics (and labels) the planner or a worker declares', () => {
    const declared = declaredMetrics();
    expect(declared.get('lawsweep_workers')).toEqual(new Set(['pool', 'state']));
    const anyLabel = new Set(['instance', 'job', ...[...declared.values()].flatMap((ls) => [...ls])]);
    const missing: string[] = [];
    for (const { alert, expr } of all) {
      for (const m of expr.matchAll(/\b([a-z_][a-z0-9_]*)(\{([^}]*)\})?/g)) {
        const name = m[1];
        if (!name.startsWith('lawsweep_')) {
          if (name === 'up') for (const l of (m[3] ?? '').matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g)) if (!['job', 'instance'].includes(l[1])) missing.push(`${alert}: up has no label ${l[1]}`);
          continue;
        }
        const labels = declared.get(name);
        if (!labels) {
          missing.push(`${alert}: ${name} is not declared in apps/`);
          continue;
        }
        for (const l of (m[3] ?? '').matchAll(/([a-z_]+)\s*(=~|!=|!~|=)/g)) if (!labels.has(l[1]) && !['job', 'instance'].includes(l[1])) missing.push(`${alert}: ${name} has no label ${l[1]}`);
      }
      for (const g of expr.matchAll(/\b(?:by|on|group_left|group_right|ignoring)\s*\(([^)]*)\)/g)) {
        for (const l of g[1].split(',').map((x) => x.trim()).filter(Boolean)) if (!anyLabel.has(l)) missing.push(`${alert}: no metric has label ${l}`);
      }
    }
    expect(missing).toEqual([]);
  });

  itPromtool('passes `promtool check rules` and its unit tests (promtool test rules)', () => {
    execFileSync('promtool', ['check', 'rules', join(root, 'deploy/prometheus/rules/lawsweep.rules.yml')], { stdio: 'pipe' });
    execFileSync('promtool', ['test', 'rules', join(root, 'deploy/prometheus/rules/lawsweep.rules.test.yml')], { stdio: 'pipe' });
  });
});

describe('deploy/k8s', () => {
  const docs = ['redis-statefulset.yaml', 'planner-deployment.yaml', 'worker-deployment.yaml', 'servicemonitor.yaml', 'namespace.yaml'].flatMap((f) =>
    parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => {
      expect(d.errors).toEqual([]);
      return d.toJS();
    }),
  );
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);

  it('has the planner Deployment and Service, the GPU worker Deployment, Redis with a volume, and a ServiceMonitor', () => {
    const planner = find('Deployment', 'lawsweep-planner');
    expect(planner.spec.template.spec.containers[0].args).toEqual(['planner', '--host', '0.0.0.0']);
    expect(find('Service', 'lawsweep-planner').spec.ports[0].port).toBe(3000);
    const worker = find('Deployment', 'lawsweep-worker').spec.template.spec.containers[0];
    expect(worker.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(worker.resources.requests['nvidia.com/gpu']).toBe(1);
    const redis = find('StatefulSet', 'redis');
    expect(redis.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(redis.spec.template.spec.containers[0].args.join(' ')).toMatch(/--appendonly yes .*--maxmemory-policy noeviction/);
  });

  it('scrapes ports the Services name, and sets only environment variables the apps read', () => {
    const monitor = find('ServiceMonitor', 'lawsweep');
    const servicePorts = docs.filter((d) => d.kind === 'Service').flatMap((s) => s.spec.ports.map((p: { name: string }) => p.name));
    for (const ep of monitor.spec.endpoints) expect(servicePorts).toContain(ep.port);
    for (const d of docs.filter((x) => x.kind === 'Deployment')) {
      for (const e of d.spec.template.spec.containers[0].env) expect(knownEnv()).toContain(e.name);
    }
  });
});
