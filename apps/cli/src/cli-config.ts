/**
 * The only place the CLI reads the environment (flags override these). Defaults match the
 * planner's: it listens on 127.0.0.1:3000 unless told otherwise.
 */
export const DEFAULT_PLANNER_URL = 'http://127.0.0.1:3000';
/** The services' default (apps/planner and apps/worker config), for the CLI's own checks. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface CliEnvironment {
  plannerUrl: string;
  token?: string;
  redisUrl?: string;
  /** LAWSWEEP_TIMEOUT_SECONDS as set (checked where it is used, naming the variable). */
  timeoutSeconds?: string;
}

export function cliEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    plannerUrl: env.LAWSWEEP_PLANNER_URL || DEFAULT_PLANNER_URL,
    token: env.LAWSWEEP_TOKEN || undefined,
    redisUrl: env.REDIS_URL || undefined,
    timeoutSeconds: env.LAWSWEEP_TIMEOUT_SECONDS || undefined,
  };
}

/** Whether stdout is an interactive terminal (live bars) or a pipe/file (plain lines). */
export function stdoutIsTty(): boolean {
  return Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
}
