import type { Command } from 'commander';
import { loadWorkerConfig, WORKER_ENV } from '../../../worker/src/config/worker.config';
import { cliEnvironment, DEFAULT_REDIS_URL } from '../cli-config';
import { warnWithoutRedis } from '../redis-hint';

interface WorkerFlags {
  redis?: string;
  queuePrefix?: string;
  pool?: string;
  capacity?: string;
  concurrency?: string;
  gpus?: string;
  labels?: string;
  metricsPort?: string;
  grace?: string;
  id?: string;
  timeout?: string;
  runDir?: string;
  keepRunDirs?: boolean;
}

/**
 * `lawsweep worker`: a worker agent in this process (the same app as apps/worker/src/main.ts).
 * Flags override the environment variables named in their help; a bad value stops it with a
 * message naming the variable and the flag. SIGTERM/SIGINT drain it: current runs get the grace
 * period to finish, the rest go back to the queue for another worker; a second signal cuts the
 * grace short (RunsProcessor.beforeApplicationShutdown).
 */
export function register(program: Command): void {
  program
    .command('worker')
    .description('start a worker agent: take runs from a pool queue, train, report losses')
    .option('--redis <url>', 'Redis URL (default: $REDIS_URL or redis://127.0.0.1:6379)')
    .option('--queue-prefix <prefix>', 'BullMQ key prefix, as the planner\'s (default: $LAWSWEEP_QUEUE_PREFIX or "bull")')
    .option('--pool <name>', 'worker pool whose queue it serves (default: $WORKER_POOL or "default")')
    .option('--capacity <limits>', 'largest run it holds, e.g. N=1e9,D=1e12 (default: $WORKER_CAPACITY; none = any)')
    .option('--concurrency <k>', 'runs at once (default: $WORKER_CONCURRENCY, else the number of --gpus, else 1)')
    .option('--gpus <ids>', 'GPU ids, one run per GPU with its own CUDA_VISIBLE_DEVICES, e.g. 0,1,2,3 (default: $WORKER_GPUS)')
    .option('--labels <pairs>', 'labels for the registry, e.g. gpu=a100,zone=eu (default: $WORKER_LABELS)')
    .option('--metrics-port <port>', '/metrics and /health port, 0 = off (default: $WORKER_METRICS_PORT or 0)')
    .option('--grace <seconds>', 'on SIGTERM or Ctrl-C, how long current runs may finish before they are handed back; a second signal hands them back at once (default: $WORKER_GRACE_SECONDS or 30)')
    .option('--id <id>', 'worker id in the registry (default: $WORKER_ID or host-pid-random)')
    .option('--timeout <seconds>', 'timeout of command runs whose spec sets none, 0 = none (default: $WORKER_TIMEOUT_SECONDS or 0)')
    .option('--run-dir <dir>', 'where per-run directories (LAWSWEEP_RUN_DIR) go (default: $WORKER_RUN_DIR or <tmp>/lawsweep-runs)')
    .option('--keep-run-dirs', "keep every run's directory (trainer.log, checkpoints), done, failed or cancelled; by default a done or cancelled run's is removed at once, and a failed one's after WORKER_FAILED_RUN_DIR_HOURS unless it may still resume here (default: $WORKER_KEEP_RUN_DIRS or false)")
    .addHelpText(
      'after',
      `\nEnvironment only (no flag):\n${Object.values(WORKER_ENV).flatMap((v) => (v.flag === undefined ? [`  ${v.env.padEnd(27)} ${v.help}`] : [])).join('\n')}\n` +
        '\nExamples:\n' +
        '  $ lawsweep worker --redis redis://127.0.0.1:6379 --concurrency 4          # 4 runs at once, no GPU pinning\n' +
        '  $ lawsweep worker --redis redis://HOST:6379 --gpus 0,1,2,3 --capacity N=1e9 --pool a100\n',
    )
    .action(async (flags: WorkerFlags) => {
      const options = {
        redisUrl: flags.redis,
        queuePrefix: flags.queuePrefix,
        pool: flags.pool,
        capacity: flags.capacity,
        concurrency: flags.concurrency,
        gpus: flags.gpus,
        labels: flags.labels,
        metricsPort: flags.metricsPort,
        graceSeconds: flags.grace,
        id: flags.id,
        defaultTimeoutSeconds: flags.timeout,
        runRoot: flags.runDir,
        keepRunDirs: flags.keepRunDirs,
      };
      // A bad setting is said first: not after a hint about a Redis the worker would wait for.
      loadWorkerConfig(options);
      await warnWithoutRedis('worker', flags.redis ?? cliEnvironment().redisUrl ?? DEFAULT_REDIS_URL);
      // Imported lazily so other commands do not load NestJS.
      const { bootstrapWorker, enableWorkerShutdownHooks } = await import('../../../worker/src/bootstrap');
      const app = await bootstrapWorker(options);
      enableWorkerShutdownHooks(app);
    });
}
