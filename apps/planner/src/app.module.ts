import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, type FactoryProvider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type Redis from 'ioredis';
import { RESULTS_QUEUE } from '@lawsweep/contracts';
import { PlanLock, SweepDeletionStore, SweepReader, SweepStore, type StoreKeyOptions } from '@lawsweep/store';
import { BearerTokenGuard } from './auth/bearer-token.guard';
import { PlannerConfig } from './config/planner-config';
import { PlannerConfigModule } from './config/planner-config.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { validatePlannerEnv } from './config/planner-config';
import { optionsToEnv, type PlannerOptions } from './config/planner-options';
import { HealthController } from './health/health.controller';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { RedisMemoryReader } from './metrics/redis-memory';
import { EngineCacheService } from './planning/engine-cache.service';
import { PlanningLoopService } from './planning/planning-loop.service';
import { ReconcilerHousekeepingService } from './planning/reconciler-housekeeping.service';
import { ReconcilerService } from './planning/reconciler.service';
import { RedisHeadroom } from './planning/redis-headroom';
import { RunDispatchService } from './planning/run-dispatch.service';
import { RunReconcilerService } from './planning/run-reconciler.service';
import { SweepPlannerService } from './planning/sweep-planner.service';
import { SweepTransitionsService } from './planning/sweep-transitions.service';
import { RunQueuesService } from './queues/run-queues.service';
import { RedisConnection } from './redis/redis-connection';
import { redisOptionsFromUrl } from './redis/redis-options';
import { RedisUnavailableFilter } from './redis/redis-unavailable.filter';
import { ResultsProcessor } from './results/results.processor';
import { ResultsService } from './results/results.service';
import { ForecastService } from './sweeps/forecast.service';
import { NotifierService } from './notify/notifier.service';
import { NotifyProcessor } from './notify/notify.processor';
import { NOTIFY_QUEUE } from './notify/notify-queue';
import { FrontierService } from './sweeps/frontier.service';
import { SweepsController } from './sweeps/sweeps.controller';
import { SweepsService } from './sweeps/sweeps.service';
import { SweepCachesService } from './sweeps/sweep-caches.service';
import { SweepDeletionService } from './sweeps/sweep-deletion.service';
import { SweepJobsService } from './sweeps/sweep-jobs.service';
import { TimeLeftReader } from './sweeps/time-left';
import { WorkerRegistryService } from './workers/worker-registry.service';
import { WorkersController } from './workers/workers.controller';

@Module({})
export class AppModule {
  static async forRoot(options: PlannerOptions = {}): Promise<DynamicModule> {
    // The notification queue and its processor (a Worker: two Redis connections) only where a webhook is set.
    const notify = notifyConfigured(options);
    return {
      module: AppModule,
      imports: [
        await PlannerConfigModule.forRoot(options),
        BullModule.forRootAsync({
          inject: [PlannerConfig],
          // Workers block on Redis: maxRetriesPerRequest must be null (BullMQ production guide).
          useFactory: (config: PlannerConfig) => ({ connection: { ...redisOptionsFromUrl(config.redisUrl), maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
        }),
        // The notify queue even without a notify URL: deleting a sweep removes its deliveries left
        // there while a URL was set, or queued by a replica that has one. Its processor only with one.
        BullModule.registerQueue({ name: RESULTS_QUEUE }, { name: NOTIFY_QUEUE }),
        TerminusModule,
        DashboardModule,
      ],
      controllers: [SweepsController, WorkersController, MetricsController, HealthController],
      providers: [
        RedisConnection,
        storeProvider(SweepStore),
        storeProvider(SweepReader),
        storeProvider(PlanLock),
        storeProvider(SweepDeletionStore),
        RunQueuesService,
        WorkerRegistryService,
        MetricsService,
        RedisMemoryReader,
        EngineCacheService,
        SweepTransitionsService,
        RunDispatchService,
        RedisHeadroom,
        SweepPlannerService,
        PlanningLoopService,
        ReconcilerService,
        RunReconcilerService,
        ReconcilerHousekeepingService,
        ResultsService,
        ResultsProcessor,
        SweepsService,
        SweepDeletionService,
        SweepCachesService,
        TimeLeftReader,
        SweepJobsService,
        FrontierService,
        ForecastService,
        NotifierService,
        ...(notify ? [NotifyProcessor] : []),
        { provide: APP_GUARD, useClass: BearerTokenGuard },
        { provide: APP_FILTER, useClass: RedisUnavailableFilter },
      ],
    };
  }
}

/** A libs/store class on the planner's Redis client, under its key prefix. */
function storeProvider<T>(store: new (redis: Redis, options: StoreKeyOptions) => T): FactoryProvider<T> {
  return {
    provide: store,
    inject: [RedisConnection, PlannerConfig],
    useFactory: (redis: RedisConnection, config: PlannerConfig) => new store(redis.client, { prefix: config.keyPrefix }),
  };
}

/** Whether this planner has LAWSWEEP_NOTIFY_URL (a bad environment is left to PlannerConfigModule to refuse, naming it). */
function notifyConfigured(options: PlannerOptions): boolean {
  try {
    return Boolean(validatePlannerEnv({ ...process.env, ...optionsToEnv(options) }).LAWSWEEP_NOTIFY_URL);
  } catch {
    return false;
  }
}
