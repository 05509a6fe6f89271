/**
 * The columns of a run export (`GET /sweeps/:id/runs?format=csv`, `lawsweep sweep export`) other
 * than the sweep's variables: `id` comes before the variables, the others after them, in this order.
 * Readers of an export (`lawsweep fit --expression`, run imports) know them as not-variables.
 */
export const RUN_EXPORT_COLUMNS = ['id', 'loss', 'state', 'cost', 'worker', 'attempts', 'imported'] as const;
export type RunExportColumn = (typeof RUN_EXPORT_COLUMNS)[number];
