import type { StopReason } from '../trainers/trainer.types';

/** The run was stopped from outside (cancel, shutdown or a lost lock); the caller decides what that means. */
export class RunStopped extends Error {
  constructor(readonly reason: StopReason) {
    super(`run stopped: ${reason}`);
    this.name = 'RunStopped';
  }
}
