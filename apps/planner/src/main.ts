import 'reflect-metadata';
import { plainLogsWhenPiped } from '@lawsweep/contracts';
import { bootstrapPlanner } from './bootstrap';

plainLogsWhenPiped();

bootstrapPlanner().catch((err: unknown) => {
  process.stderr.write(`lawsweep planner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
