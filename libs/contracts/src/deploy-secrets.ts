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

/** Names people give secrets: WANDB_API_KEY, HF_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, … */
const SECRET_NAME = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIALS?)($|_)/i;

/**
 * The keys of a command trainer's `env` whose names look like secrets. A spec is stored in Redis with
 * its sweep, shown by GET /sweeps/:id, and copied into every run job (which /queues shows): a secret
 * there is readable by anyone who reads the planner's API or Redis. Trainers inherit their worker's
 * environment, which is where a secret belongs. A warning, not an error: the name is only a guess.
 */
export function secretLikeEnvKeys(trainer: { type: string; env?: Record<string, string> }): string[] {
  if (trainer.type !== 'command' || !trainer.env) return [];
  return Object.entries(trainer.env)
    .filter(([key, value]) => SECRET_NAME.test(key) && value.trim() !== '' && !/^(\{[A-Za-z_]\w*\})+$/.test(value.trim()))
    .map(([key]) => key);
}

/** What the CLI and the planner say about secret-looking env keys (one sentence, naming them). */
export function secretLikeEnvText(keys: string[]): string {
  const names = keys.map((k) => `trainer.env.${k}`).join(', ');
  return `${names} ${keys.length === 1 ? 'looks like a secret' : 'look like secrets'}: the spec is stored with the sweep and copied into every run job, so anyone who can read the planner's API (GET /sweeps/:id, /queues, unless LAWSWEEP_PROTECT_READS is on) or Redis can read it; set it in the workers' environment instead (trainers inherit it)`;
}
