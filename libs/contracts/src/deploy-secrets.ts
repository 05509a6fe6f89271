/**
 * Secrets the example deployment files once shipped with (`token: change-me`) or that people type
 * there: known to everyone, so a service started with one is as open as one started with none.
 * The planner (LAWSWEEP_TOKEN, the password in REDIS_URL) and the worker (REDIS_URL) refuse them at
 * boot, naming the variable and how to make a real one.
 */
const PLACEHOLDER_SECRETS = new Set(['change-me', 'changeme', 'change_me', 'replace-me', 'replaceme', 'replace_me']);

/** How the error says to make a secret of one's own. */
export const MAKE_A_SECRET = 'make one with `openssl rand -hex 32`';

export function isPlaceholderSecret(value: string): boolean {
  return PLACEHOLDER_SECRETS.has(value.trim().toLowerCase());
}

/** The password in a redis:// URL (decoded), or undefined when it has none or is not a URL. */
export function redisUrlPassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** A redis:// URL with its password (if any) replaced by ***, for error messages and logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:@/\s]*):[^@/\s]*@/, '//$1:***@');
}
