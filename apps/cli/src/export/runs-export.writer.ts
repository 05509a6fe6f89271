import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { PlannerClient } from '../client/planner-client';

/** Runs per page of a JSON export: with 2,000-point learning curves a run is ~120 kB of JSON. */
export const JSON_EXPORT_PAGE = 500;
/** Runs per page of a CSV export (a row each, no curves). */
export const CSV_EXPORT_PAGE = 5_000;

/**
 * `sweep export`: a sweep's runs, read page by page (GET /sweeps/:id/runs?limit&after) and written
 * as they come, so neither the planner nor the CLI holds every run at once.
 */
export class RunsExportWriter {
  constructor(private readonly client: PlannerClient) {}

  /** Writes `format` to `file` (whole or not at all: a temporary file renamed at the end), or to stdout. */
  async export(id: string, format: 'csv' | 'json', file?: string): Promise<void> {
    if (!file) return this.write(id, format, process.stdout);
    const partial = `${file}.partial-${process.pid}`;
    const out = createWriteStream(partial);
    try {
      await this.write(id, format, out);
      out.end();
      await once(out, 'close');
      renameSync(partial, file);
    } catch (err) {
      out.destroy();
      rmSync(partial, { force: true });
      throw err;
    }
  }

  /**
   * The runs as one JSON array, the very text `JSON.stringify(runs, null, 2)` gives (with curves),
   * or as CSV (the first page's header row, then every page's rows).
   */
  async write(id: string, format: 'csv' | 'json', out: Writable): Promise<void> {
    let count = 0;
    let after: string | undefined;
    for (;;) {
      let next: string | undefined;
      if (format === 'json') {
        const page = await this.client.getRunsPage(id, { limit: JSON_EXPORT_PAGE, after });
        for (const run of page.runs) {
          await put(out, `${count === 0 ? '[\n' : ',\n'}  ${JSON.stringify(run, null, 2).replace(/\n/g, '\n  ')}`);
          count++;
        }
        next = page.next;
      } else {
        const page = await this.client.getRunsCsvPage(id, { limit: CSV_EXPORT_PAGE, after });
        // Every page starts with the header row (no header holds a newline): written once.
        const text = after === undefined ? page.csv : page.csv.slice(page.csv.indexOf('\n') + 1);
        await put(out, text);
        next = page.next;
      }
      if (next === undefined) break;
      if (next === after) throw new Error(`the planner gave the same page twice (after ${after}); export stopped`);
      after = next;
    }
    if (format === 'json') await put(out, count === 0 ? '[]\n' : '\n]\n');
  }
}

/** Writes a chunk, waiting while the stream's buffer is full (a slow disk or pipe). */
async function put(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}
