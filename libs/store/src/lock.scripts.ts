/** Scripts of the plan lock. What every script shares: store-commands.ts. */

/** KEYS: lock. ARGV: token, ttl ms. Extends the lock only if this token still holds it. */
export const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** KEYS: lock. ARGV: token. Releases the lock only if this token still holds it. */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
