/**
 * Response compression: what gzip does to the planner's biggest answers, runs with their learning
 * curves (GET /sweeps/:id/runs, `lawsweep sweep export --format json`), at the levels the planner
 * could use (it uses 3: apps/planner/src/bootstrap.ts).
 *
 *   node scripts/ensure-built.js && node dist/bench/response-gzip.bench.js [--runs 100] [--points 2000] [--seed 1]
 *
 * The body is JSON as the planner writes it (RunView fields, each curve `{tokens, loss}` points as
 * the worker records them), for runs whose curves follow a power law in tokens with 1% noise: a
 * smooth curve is what a real trainer reports, and the noise keeps the digits of its losses as
 * incompressible as real ones. zlib is the library the compression middleware uses (one thread
 * here; the middleware runs it on libuv's pool, off the event loop).
 */
import { gzipSync } from 'node:zlib';
import { arg } from './support/args';
import { machine } from './support/bench-stack';

const RUNS = Number(arg('runs') ?? 100);
const POINTS = Number(arg('points') ?? 2000);
let seed = Number(arg('seed') ?? 1);
/** mulberry32: deterministic under --seed. */
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const runs = Array.from({ length: RUNS }, (_, r) => {
  const N = 1e7 * 10 ** (2 * random());
  const D = N * (2 + 200 * random());
  const curve = Array.from({ length: POINTS }, (_, i) => {
    const tokens = Math.round(((i + 1) / POINTS) * D);
    return { tokens, loss: (1.7 + 400 / N ** 0.34 + 410 / tokens ** 0.28) * Math.exp(0.01 * (random() - 0.5)) };
  });
  return { id: `sw-0123456789-r${String(r + 1).padStart(5, '0')}`, config: { N, D }, state: 'done', loss: curve[POINTS - 1].loss, cost: 6 * N * D, spent: 6 * N * D, worker: 'gpu-node-7', attempts: 1, curve };
});
const body = Buffer.from(JSON.stringify(runs));

console.log(`# Response compression: ${RUNS} runs x ${POINTS}-point curves, JSON ${(body.length / 1e6).toFixed(2)} MB (${machine()}, ${new Date().toISOString()})`);
console.log('| gzip level | compressed | ratio | CPU ms per MB of JSON (median of 5) |');
console.log('|---|---|---|---|');
for (const level of [1, 3, 6, 9]) {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < 5; i++) {
    const t = process.hrtime.bigint();
    size = gzipSync(body, { level }).length;
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`| ${level} | ${(size / 1e6).toFixed(2)} MB | ${(body.length / size).toFixed(2)}x | ${(times[2] / (body.length / 1e6)).toFixed(1)} |`);
}
