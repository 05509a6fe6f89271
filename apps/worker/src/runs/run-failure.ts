/**
 * A run attempt that failed, with whether another attempt could succeed. Retryable: a crash or a
 * non-zero exit (a node can be flaky: OOM on a busy host, a preempted GPU, a lost file system).
 * Not retryable: what the same command would do again (garbage or non-finite loss, a timeout, a
 * config the worker cannot hold or a replay file does not have, cancellation).
 */
export class RunFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RunFailure';
  }
}
