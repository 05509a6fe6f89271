/**
 * Lua scripts for the invariants that must hold across planner replicas and crashes: Redis runs a
 * script atomically, so "check the budget, then reserve" or "record a result unless already
 * recorded" cannot interleave with another client. Costs travel as the strings JavaScript printed
 * (never re-printed by Lua's tostring, which keeps only 14 digits).
 *
 * Keys are derived inside the scripts from a prefix passed in ARGV (single Redis, not Cluster).
 */
import type Redis from 'ioredis';
import type { RecordOutcome } from './store.types';
import { BEGIN_DELETE, DELETE_RUN_CHUNK, FINISH_DELETE } from './deletion.scripts';
import { RELEASE_LOCK, RENEW_LOCK } from './lock.scripts';
import { APPEND_CURVE, CLAIM_REQUEUE, IMPORT_RUNS, MARK_RUNNING_MANY, RECORD_RESULT, RESERVE_RUNS } from './run.scripts';
import { CONFIG_STAMP, RANGE_WITH_LENGTH, RELEASE_STREAK, SAVE_FIT, SET_WARNINGS, SPEND_WINDOW, TRANSITION, UPDATE_SWEEP } from './sweep.scripts';

/** The scripts of a run's life (run.scripts.ts), as SweepStore calls them. */
export interface RunCommands {
  lsReserveRuns(...args: (string | number)[]): Promise<string[]>;
  lsMarkRunningMany(numberOfKeys: number, ...args: (string | number)[]): Promise<number>;
  lsClaimRequeue(...args: (string | number)[]): Promise<number>;
  lsAppendCurve(...args: (string | number)[]): Promise<number>;
  lsRecordResult(...args: (string | number)[]): Promise<RecordOutcome>;
  lsImportRuns(...args: (string | number)[]): Promise<number>;
}

/** The scripts that write a sweep's record (sweep.scripts.ts), as SweepStore calls them. */
export interface SweepCommands {
  lsTransition(...args: (string | number)[]): Promise<string>;
  lsUpdateSweep(...args: (string | number)[]): Promise<string>;
  lsReleaseStreak(...args: (string | number)[]): Promise<number>;
  lsSaveFit(...args: (string | number)[]): Promise<number>;
  lsSetWarnings(...args: (string | number)[]): Promise<number>;
}

/** The read-only scripts of a sweep's record (sweep.scripts.ts), as SweepReader calls them. */
export interface SweepReadCommands {
  lsSpendWindow(...args: (string | number)[]): Promise<[string, number] | null>;
  lsRangeWithLength(...args: (string | number)[]): Promise<[string[], number]>;
  lsConfigStamp(...args: (string | number)[]): Promise<[number, string]>;
}

/** The plan lock's scripts (lock.scripts.ts), as PlanLock calls them. */
export interface LockCommands {
  lsRenewLock(...args: (string | number)[]): Promise<number>;
  lsReleaseLock(...args: (string | number)[]): Promise<number>;
}

/** The scripts of a sweep's deletion (deletion.scripts.ts), as SweepDeletionStore calls them. */
export interface DeletionCommands {
  lsBeginDelete(...args: (string | number)[]): Promise<string>;
  lsDeleteRunChunk(...args: (string | number)[]): Promise<number>;
  lsFinishDelete(...args: (string | number)[]): Promise<string>;
}

/**
 * Every custom command defined on the ioredis client (EVALSHA with a fallback to EVAL): each store
 * class types its client with only the roles it calls.
 */
export type StoreCommands = RunCommands & SweepCommands & SweepReadCommands & LockCommands & DeletionCommands;

/** The store's scripts as commands of this client, defined once per client (every store class on it shares them). */
export function storeCommands(redis: Redis): StoreCommands {
  const define = (name: string, numberOfKeys: number, lua: string) => {
    if (!(name in redis)) redis.defineCommand(name, { numberOfKeys, lua });
  };
  // RunCommands
  define('lsReserveRuns', 4, RESERVE_RUNS);
  if (!('lsMarkRunningMany' in redis)) redis.defineCommand('lsMarkRunningMany', { lua: MARK_RUNNING_MANY }); // key count per call
  define('lsAppendCurve', 2, APPEND_CURVE);
  define('lsRecordResult', 8, RECORD_RESULT);
  define('lsImportRuns', 4, IMPORT_RUNS);
  define('lsClaimRequeue', 2, CLAIM_REQUEUE);
  // SweepCommands, SweepReadCommands
  define('lsTransition', 4, TRANSITION);
  define('lsUpdateSweep', 3, UPDATE_SWEEP);
  define('lsReleaseStreak', 3, RELEASE_STREAK);
  define('lsSpendWindow', 1, SPEND_WINDOW);
  define('lsRangeWithLength', 1, RANGE_WITH_LENGTH);
  define('lsConfigStamp', 2, CONFIG_STAMP);
  define('lsSaveFit', 2, SAVE_FIT);
  define('lsSetWarnings', 1, SET_WARNINGS);
  // LockCommands
  define('lsRenewLock', 1, RENEW_LOCK);
  define('lsReleaseLock', 1, RELEASE_LOCK);
  // DeletionCommands
  define('lsBeginDelete', 4, BEGIN_DELETE);
  define('lsDeleteRunChunk', 2, DELETE_RUN_CHUNK);
  define('lsFinishDelete', 12, FINISH_DELETE);
  return redis as unknown as StoreCommands;
}
