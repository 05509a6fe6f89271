import { Injectable, NotFoundException, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SweepReader, SweepStore, type HistoryPoint, type RunRecord, type SweepRecord } from '@lawsweep/store';
import { PlannerConfig } from '../config/planner-config';

/**
 * The dashboard's read access to the planner's state. The planner's providers live in AppModule
 * itself (not in an exported module), so the dashboard, a module of its own, looks them up once
 * through ModuleRef (non-strict) instead of making AppModule re-export them.
 */
@Injectable()
export class DashboardDataService implements OnModuleInit {
  private store!: SweepStore;
  private reader!: SweepReader;
  config!: PlannerConfig;

  constructor(private readonly moduleRef: ModuleRef) {}

  onModuleInit(): void {
    this.store = this.moduleRef.get(SweepStore, { strict: false });
    this.reader = this.moduleRef.get(SweepReader, { strict: false });
    this.config = this.moduleRef.get(PlannerConfig, { strict: false });
  }

  async sweep(id: string): Promise<SweepRecord> {
    const s = await this.store.getSweep(id);
    if (!s) throw new NotFoundException(`unknown sweep '${id}': GET /sweeps lists them`);
    return s;
  }

  sweeps(): Promise<SweepRecord[]> {
    return this.store.listSweeps();
  }

  runs(id: string): Promise<RunRecord[]> {
    return this.reader.listRuns(id, false);
  }

  history(id: string): Promise<HistoryPoint[]> {
    return this.reader.history(id);
  }
}
