/**
 * How long the planner keeps retrying to enqueue a wave of runs it has just reserved, while Redis
 * is briefly away. The reconciler must not call such a run's job "vanished" before this window has
 * passed, or it would fail runs that the planner is still enqueueing.
 */
export const ENQUEUE_RETRY_WINDOW_MS = 10_000;

/** Margin on top of the window for the last attempt's round trip and clock differences between replicas. */
export const ENQUEUE_RETRY_MARGIN_MS = 2_000;

/** How long after a plan pass that could enqueue none of its runs the sweep is planned again. */
export const ENQUEUE_FAILED_REPLAN_MS = 2_000;
