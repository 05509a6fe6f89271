import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { RESULTS_QUEUE, runQueueName } from '@lawsweep/contracts';
import { WorkerConfig } from './config/worker.config';
import { HealthController } from './observability/health.controller';
import { MetricsController } from './observability/metrics.controller';
import { WorkerMetrics } from './observability/worker-metrics.service';
import { redisOptionsFromUrl } from './redis/redis-options';
import { WorkerRedis } from './redis/worker-redis.service';
import { WorkerRegistry } from './registry/worker-registry.service';
import { CancelWatcher } from './runs/cancel-watcher.service';
import { DiskSpace } from './runs/disk-space';
import { GpuSlots } from './runs/gpu-slots.service';
import { LockFence } from './runs/lock-fence.service';
import { ResultReporter } from './runs/result-reporter.service';
import { RunDirRetention } from './runs/run-dir-retention.service';
import { RunExecutor } from './runs/run-executor.service';
import { RunJobLookup } from './runs/run-job-lookup';
import { runsProcessorFor, runsWorkerOptions } from './runs/runs.processor';
import { CommandTrainerRunner } from './trainers/command-trainer.runner';
import { OrphanTrainers } from './trainers/orphan-trainers.service';
import { ReplayTrainerRunner } from './trainers/replay-trainer.runner';
import { SimulateTrainerRunner } from './trainers/simulate-trainer.runner';
import { TrainerRunners } from './trainers/trainer-runners.service';

/**
 * The worker app for one validated configuration (see bootstrapWorker). The configuration is
 * parsed before the module is built because it decides the module's shape: the pool's queue name
 * and the BullMQ worker options.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    const redis = redisOptionsFromUrl(config.redisUrl);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot({ ignoreEnvFile: true, validatePredefined: false, skipProcessEnv: true, load: [() => ({ worker: config })] }),
        // Shared connection options: the BullMQ worker's (blocking) connection must retry forever.
        BullModule.forRoot({ connection: { ...redis, maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
        // The results producer fails fast rather than buffering while Redis is away (ResultReporter retries).
        BullModule.registerQueue({ name: RESULTS_QUEUE, connection: { ...redis, enableOfflineQueue: false }, prefix: config.queuePrefix }),
      ],
      controllers: [MetricsController, HealthController],
      providers: [
        { provide: WorkerConfig, useFactory: (c: ConfigService) => c.getOrThrow<WorkerConfig>('worker'), inject: [ConfigService] },
        WorkerRedis,
        WorkerRegistry,
        WorkerMetrics,
        GpuSlots,
        CancelWatcher,
        LockFence,
        ResultReporter,
        OrphanTrainers,
        CommandTrainerRunner,
        SimulateTrainerRunner,
        ReplayTrainerRunner,
        TrainerRunners,
        RunJobLookup,
        DiskSpace,
        RunDirRetention,
        RunExecutor,
        runsProcessorFor(runQueueName(config.pool), runsWorkerOptions(config)),
      ],
    };
  }
}
