import type Redis from 'ioredis';
import { storeCommands, type StoreCommands } from './store-commands';
import { StoreKeys, type StoreKeyOptions } from './store-keys';

/**
 * What every store class of this library holds: the Redis client, the key naming under its prefix,
 * and the client with the store's scripts registered (defined once per client, whichever class
 * comes first).
 */
export abstract class RedisStore {
  protected readonly keys: StoreKeys;
  protected readonly cmd: StoreCommands;

  constructor(
    readonly redis: Redis,
    options: StoreKeyOptions = {},
  ) {
    this.keys = new StoreKeys(options);
    this.cmd = storeCommands(redis);
  }
}
