/**
 * Whether an error is Redis refusing a write because it is at its maxmemory (maxmemory-policy
 * noeviction, as lawsweep deploys it): ioredis's ReplyError `OOM command not allowed when used
 * memory > 'maxmemory'.`, on a command or inside a script (Redis 7 appends `script: ...`; older
 * ones wrap it in `ERR Error running script ...: -OOM ...`), or a MULTI refused for it (ioredis's
 * `EXECABORT Transaction discarded because of previous errors.`, the OOM among its previousErrors).
 * Reads still work meanwhile, and reconnecting does not help: memory must be freed or maxmemory raised.
 */
export function isRedisOutOfMemory(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (/(?:^|[\s:-])OOM command not allowed when used memory > 'maxmemory'/.test(err.message)) return true;
  const previous = (err as { previousErrors?: unknown }).previousErrors;
  return Array.isArray(previous) && previous.some((e) => isRedisOutOfMemory(e));
}
