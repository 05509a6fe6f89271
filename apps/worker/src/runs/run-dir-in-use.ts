/**
 * The run's directory holds a trainer of another worker that is still alive (it lost the run's lock
 * and BullMQ requeued the run), or this worker already trains the run: not a failure of the run, so
 * the executor hands it back, delayed, without using an attempt (RunExecutor.handBackBusyDir).
 */
export class RunDirInUse extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunDirInUse';
  }
}
