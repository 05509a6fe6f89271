import { RedisStore } from './redis-store';
import { storeCommands, type LockCommands } from './store-commands';

/**
 * The lock a plan pass of a sweep holds across planner replicas (SET NX PX, renewed while held); a
 * deletion takes it too, to begin between passes. Only the token that holds it renews or releases it
 * (RENEW_LOCK, RELEASE_LOCK): a planner whose lock expired cannot drop the next holder's.
 */
export class PlanLock extends RedisStore {
  protected readonly cmd: LockCommands = storeCommands(this.redis);

  /** SET NX PX: true when this token now holds the sweep's lock. */
  async acquire(sweepId: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.key(sweepId), token, 'PX', ttlMs, 'NX')) === 'OK';
  }
  async renew(sweepId: string, token: string, ttlMs: number): Promise<boolean> {
    return (await this.cmd.lsRenewLock(this.key(sweepId), token, ttlMs)) === 1;
  }
  async release(sweepId: string, token: string): Promise<boolean> {
    return (await this.cmd.lsReleaseLock(this.key(sweepId), token)) === 1;
  }

  private key(sweepId: string): string {
    return this.keys.lock(`sweep:${sweepId}`);
  }
}
