import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { WorkerView } from '@lawsweep/contracts';
import { RunQueuesService } from '../queues/run-queues.service';
import { WorkerRegistryService, workerState } from './worker-registry.service';

export type { WorkerView } from '@lawsweep/contracts';

const STATE_ORDER = { live: 0, draining: 1, gone: 2 } as const;

@ApiTags('workers')
@Controller('workers')
export class WorkersController {
  constructor(
    private readonly registry: WorkerRegistryService,
    private readonly queues: RunQueuesService,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'The workers that advertised themselves (every pool): live, draining or gone (no heartbeat for 30 s: killed, or its node lost), with capacity, labels, busy slots and the runs each trains now; live first, by pool and id',
  })
  @ApiQuery({ name: 'pool', required: false, description: 'only this pool' })
  async list(@Query('pool') pool?: string): Promise<WorkerView[]> {
    // `now` is Redis's clock, the one lastSeen is stamped with (not this machine's: see WorkerRegistryService).
    const reading = await this.registry.read();
    const now = reading.now;
    const adverts = reading.adverts.filter((w) => pool === undefined || w.pool === pool);
    // The runs in flight: the run queues' active jobs, each with the worker holding it (one read per pool).
    const byWorker = new Map<string, WorkerView['running']>();
    const pools = [...new Set(adverts.map((w) => w.pool))];
    for (const runs of await Promise.all(pools.map((p) => this.queues.activeRuns(p)))) {
      for (const run of runs) {
        if (!run.worker) continue;
        const list = byWorker.get(run.worker) ?? [];
        list.push({ sweepId: run.data.sweepId, runId: run.data.runId, config: run.data.config, startedAt: run.startedAt ? new Date(run.startedAt).toISOString() : null });
        byWorker.set(run.worker, list);
      }
    }
    return adverts
      .map(
        (w): WorkerView => ({
          id: w.id,
          pool: w.pool,
          state: workerState(w, now),
          lastSeen: new Date(w.lastSeen).toISOString(),
          secondsSinceSeen: Math.max(0, Math.round((now - w.lastSeen) / 1000)),
          concurrency: w.concurrency,
          busy: w.busy,
          capacity: w.capacity,
          labels: w.labels,
          running: byWorker.get(w.id) ?? [],
        }),
      )
      .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || a.pool.localeCompare(b.pool) || a.id.localeCompare(b.id));
  }
}
