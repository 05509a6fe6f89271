import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { loadWorkerConfig, WorkerConfig, type WorkerOptions } from './config/worker.config';
import { WorkerModule } from './worker.module';

export interface BootstrapWorkerOptions extends WorkerOptions {
  /** Nest logger, log levels, or false for silence (tests, the in-process demo). */
  logger?: LoggerService | LogLevel[] | false;
}

/**
 * Starts one worker: validates its configuration (options override environment variables; a bad
 * value throws naming the variable), builds the Nest app, serves /metrics and /health when a
 * metrics port is set, and starts consuming its pool's queue. Close it with `app.close()`: that
 * drains like SIGTERM does. `main.ts` and `lawsweep worker` also call enableWorkerShutdownHooks(app);
 * several workers can run in one process (each has its own queue consumer and metrics registry).
 */
export async function bootstrapWorker(options: BootstrapWorkerOptions = {}): Promise<INestApplication> {
  const { logger, ...workerOptions } = options;
  const config = loadWorkerConfig(workerOptions);
  const app = await NestFactory.create(WorkerModule.forRoot(config), {
    logger: logger ?? ['log', 'warn', 'error'],
    abortOnError: false,
  });
  try {
    if (config.metricsPort > 0) await app.listen(config.metricsPort, config.metricsHost);
    else await app.init();
  } catch (err) {
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

/** The validated configuration of a worker app (id, pool, capacity...). */
export function workerConfigOf(app: INestApplication): WorkerConfig {
  return app.get(WorkerConfig);
}

/**
 * SIGINT/SIGTERM drain the worker (RunsProcessor.beforeApplicationShutdown; a second one cuts the
 * grace short, a third exits at once), and the process ends with process.exit once the app is closed
 * (Nest's useProcessExit) rather than by the signal raised again, which the worker's own listener for
 * repeated signals would take for a user's. One signal-hooked worker app per process.
 */
export function enableWorkerShutdownHooks(app: INestApplication): INestApplication {
  return app.enableShutdownHooks([], { useProcessExit: true });
}
