import type Redis from 'ioredis';
import { StoreKeys, type StoreKeyOptions } from './store-keys';

/**
 * What every store class of this library holds: the Redis client and the key naming under its
 * prefix. Each class adds its `cmd`, the client with the store's scripts registered (storeCommands:
 * all of them, defined once per client, whichever class comes first), typed with only the scripts
 * that class calls.
 */
export abstract class RedisStore {
  protected readonly keys: StoreKeys;

  constructor(
    readonly redis: Redis,
    options: StoreKeyOptions = {},
  ) {
    this.keys = new StoreKeys(options);
  }
}
