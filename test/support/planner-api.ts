/** The planner's REST shapes as the end-to-end tests read them (see apps/planner/src/sweeps/sweep-views.ts). */
export interface SweepJson {
  id: string;
  name: string;
  state: string;
  stopReason?: string;
  budget: { total: number; spent: number; reserved: number; left: number };
  runs: Record<string, number>;
  targets: { config: Record<string, number>; loss: number | null; lower: number | null; upper: number | null }[];
  warnings: { code: string; message: string }[];
}
export interface RunJson {
  id: string;
  config: { N: number; D: number } & Record<string, number>;
  state: string;
  loss: number | null;
  cost: number;
  worker: string | null;
  attempts: number;
  imported: boolean;
  reason: string | null;
  curve: { tokens?: number; step?: number; loss: number }[];
}
export interface FitJson {
  law: string;
  n: number;
  params: Record<string, number>;
  predictions: { config: Record<string, number>; loss: number; lower: number; upper: number }[];
  /** The fit's compute-optimal frontier (two-variable spaces): per compute level, the config of least predicted loss. */
  frontier: { compute: number; config: Record<string, number>; loss: number }[] | null;
}
export interface ErrorJson {
  statusCode: number;
  message: string;
  errors: { path: string; message: string }[];
}

/** GET/POST JSON against a planner; the caller names the shape it expects. */
export async function getJson<T>(url: string): Promise<T> {
  return (await (await fetch(url)).json()) as T;
}
export async function postJson<T>(url: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return (await res.json()) as T;
}
