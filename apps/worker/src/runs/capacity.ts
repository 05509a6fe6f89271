/**
 * Why a config does not fit a worker's capacity (e.g. N = 2e9 on a worker that holds N <= 1e9), or
 * undefined when it fits. Variables the capacity does not name are unlimited. The planner routes
 * runs by capacity; this is the worker's own guard, so a misrouted run fails at once, with the
 * reason, instead of running out of GPU memory an hour in.
 */
export function capacityProblem(config: Record<string, number>, capacity: Record<string, number>, workerId: string): string | undefined {
  const over = Object.entries(capacity).filter(([name, limit]) => config[name] !== undefined && config[name] > limit);
  if (over.length === 0) return undefined;
  const what = over.map(([name, limit]) => `${name}=${config[name]} > ${limit}`).join(', ');
  return `over capacity: worker ${workerId} holds at most ${Object.entries(capacity).map(([n, l]) => `${n}=${l}`).join(', ')}, this run needs ${what}`;
}

