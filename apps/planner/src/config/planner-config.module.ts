import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { PlannerConfig, validatePlannerEnv, type PlannerEnv } from './planner-config';
import { optionsToEnv, type PlannerOptions } from './planner-options';

/**
 * @nestjs/config with the planner's schema. The validated values are returned under one object
 * key (`planner`) so ConfigModule does not copy them into process.env, which would leak one
 * planner's settings into another started in the same process (tests, `lawsweep demo`).
 */
@Global()
@Module({})
export class PlannerConfigModule {
  static async forRoot(options: PlannerOptions): Promise<DynamicModule> {
    const overrides = optionsToEnv(options);
    return {
      module: PlannerConfigModule,
      imports: [
        await ConfigModule.forRoot({
          ignoreEnvFile: true,
          validate: (env) => ({ planner: validatePlannerEnv({ ...env, ...overrides }) }),
        }),
      ],
      providers: [
        {
          provide: PlannerConfig,
          inject: [ConfigService],
          useFactory: (config: ConfigService) => PlannerConfig.fromEnv(config.getOrThrow<PlannerEnv>('planner')),
        },
      ],
      exports: [PlannerConfig],
    };
  }
}
