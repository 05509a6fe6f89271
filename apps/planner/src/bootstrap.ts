import { Logger } from '@nestjs/common';
import compression from 'compression';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { AppModule } from './app.module';
import { PlannerConfig } from './config/planner-config';
import type { PlannerOptions } from './config/planner-options';

export type { PlannerOptions } from './config/planner-options';

/**
 * Starts a planner: main.ts, `lawsweep planner`, `lawsweep demo` and the tests all call this, so
 * they run the same app. Returns it started (listening unless `listen: false`); `app.close()` stops
 * planning, closes the results worker and queues, and quits Redis.
 */
export async function bootstrapPlanner(options: PlannerOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(await AppModule.forRoot(options), {
    bodyParser: false,
    logger: options.logger ?? ['log', 'warn', 'error', 'fatal'],
  });
  const config = app.get(PlannerConfig);
  app.useBodyParser('json', { limit: config.bodyLimit });
  // Answers over 1 KB are gzipped for clients that accept it (the CLI's fetch, browsers, Prometheus):
  // runs with their learning curves are most of what a planner sends (GET /sweeps/:id/runs, `sweep
  // export`), ~3x smaller at level 3 for ~12 ms of CPU per MB of JSON, on zlib's threads, off the event
  // loop (levels 6-9 gain 5% for 2-7x the CPU: bench/response-gzip.bench.ts, BENCHMARKS.md).
  app.use(compression({ level: 3, threshold: 1024 }));
  // body-parser's own errors (malformed JSON, a body over the limit) in the API's error shape, with the fix.
  app.use((err: { type?: string; status?: number; message?: string }, _req: Request, res: Response, next: NextFunction) => {
    if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ statusCode: 400, message: 'the body is not valid JSON', errors: [{ path: '(body)', message: `${err.message ?? 'cannot parse'}; send the spec as one JSON object` }] });
    } else if (err?.type === 'entity.too.large') {
      res.status(413).json({ statusCode: 413, message: 'request entity too large', errors: [{ path: '(body)', message: `over the planner's body limit (${config.bodyLimit}; LAWSWEEP_BODY_LIMIT raises it)` }] });
    } else {
      next(err);
    }
  });
  if (options.shutdownHooks !== false) {
    app.enableShutdownHooks();
    exitIfShutdownHangs();
  }
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('lawsweep planner')
      .setDescription('Compute-budgeted scaling-law sweeps: create sweeps, follow their fit, import runs.')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: "the planner's LAWSWEEP_TOKEN, a shared secret (not a JWT): `Authorization: Bearer <token>`" })
      .build(),
  );
  SwaggerModule.setup('docs', app, doc);
  if (options.listen === false) {
    await app.init();
  } else {
    try {
      await app.listen(config.port, config.host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        await app.close();
        throw new Error(`port ${config.port} on ${config.host} is already in use (another planner?): pass --port or set PORT to a free one`);
      }
      throw err;
    }
    const addr = app.getHttpServer().address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    new Logger('Planner').log(`listening on http://${config.host}:${port} (API docs at /docs)${config.token ? ', token required on writes' : ''}`);
  }
  return app;
}

/** How long a signalled planner may take to close before it exits anyway. */
export const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * A planner stops in well under a second; but a BullMQ worker whose Redis connection is still
 * reconnecting when it is closed (shortly after a Redis outage) never finishes closing
 * (taskforcesh/bullmq#4656), and the process would wait for SIGKILL. After SIGINT/SIGTERM, exit
 * after SHUTDOWN_DEADLINE_MS whatever is left: nothing is lost (results stay queued in Redis for
 * the next planner, runs in flight keep their reservations), and the exit code (1) says it.
 */
let deadlineArmed = false;
function exitIfShutdownHangs(): void {
  if (deadlineArmed) return; // once per process (tests start many planners in one)
  deadlineArmed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`lawsweep planner: shutdown did not finish within ${SHUTDOWN_DEADLINE_MS / 1000} s after ${signal} (Redis unreachable?); exiting anyway\n`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
}
