import type { StopCause } from '@lawsweep/contracts';

/**
 * The cause of an end the design engine reported. libs/design's Proposal says why it has no run left
 * in words only (`exhausted`), so its words are read here, at the one place the planner takes them,
 * and nowhere after: the sweep stores the cause beside them. stop-causes.spec.ts drives the real
 * engine into each end, so a rewording there fails that spec instead of changing a cause. What is not
 * recognised is the design having no run it would buy (noUsefulRun).
 */
export function causeOfExhaustedDesign(exhausted: string): StopCause {
  if (exhausted.startsWith('reached stop.maxRuns')) return 'maxRuns';
  if (exhausted.startsWith('every candidate config (')) return 'candidatesRun';
  if (exhausted.startsWith('no candidate run fits the remaining budget')) return 'budget';
  return 'noUsefulRun';
}
