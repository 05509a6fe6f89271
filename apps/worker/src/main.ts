import { plainLogsWhenPiped } from '@lawsweep/contracts';
import { bootstrapWorker, enableWorkerShutdownHooks } from './bootstrap';

plainLogsWhenPiped();

// Configuration comes from the environment (REDIS_URL, WORKER_POOL, WORKER_CAPACITY, ...; see
// config/worker.config.ts). Shutdown hooks make SIGTERM drain the worker instead of killing runs.
bootstrapWorker()
  .then((app) => enableWorkerShutdownHooks(app))
  .catch((err: Error) => {
    process.stderr.write(`lawsweep worker: ${err.message}\n`);
    process.exit(1);
  });
