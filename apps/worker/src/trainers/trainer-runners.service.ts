import { Injectable } from '@nestjs/common';
import type { TrainerSpec } from '@lawsweep/contracts';
import { CommandTrainerRunner } from './command-trainer.runner';
import { ReplayTrainerRunner } from './replay-trainer.runner';
import { SimulateTrainerRunner } from './simulate-trainer.runner';
import type { TrainerContext, TrainerOutcome } from './trainer.types';

/** Picks the runner of a trainer spec's type. */
@Injectable()
export class TrainerRunners {
  constructor(
    private readonly command: CommandTrainerRunner,
    private readonly simulate: SimulateTrainerRunner,
    private readonly replay: ReplayTrainerRunner,
  ) {}

  run(spec: TrainerSpec, ctx: TrainerContext): Promise<TrainerOutcome> {
    switch (spec.type) {
      case 'command':
        return this.command.run(spec, ctx);
      case 'simulate':
        return this.simulate.run(spec, ctx);
      case 'replay':
        return this.replay.run(spec, ctx);
    }
  }
}
