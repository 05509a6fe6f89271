import 'reflect-metadata';
import { bootstrapPlanner } from './bootstrap';

bootstrapPlanner().catch((err: unknown) => {
  process.stderr.write(`lawsweep planner: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
