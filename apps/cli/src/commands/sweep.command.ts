import type { Command } from 'commander';
import { addPlannerOptions } from '../client/planner-options';
import { registerCancel } from './sweep/sweep-cancel.command';
import { registerCreate } from './sweep/sweep-create.command';
import { registerDelete } from './sweep/sweep-delete.command';
import { registerExport } from './sweep/sweep-export.command';
import { registerFit } from './sweep/sweep-fit.command';
import { registerForecast } from './sweep/sweep-forecast.command';
import { registerImport } from './sweep/sweep-import.command';
import { registerList } from './sweep/sweep-list.command';
import { registerPause } from './sweep/sweep-pause.command';
import { registerResume } from './sweep/sweep-resume.command';
import { registerStatus } from './sweep/sweep-status.command';
import { registerUpdate } from './sweep/sweep-update.command';
import { registerWatch } from './sweep/sweep-watch.command';

/** `lawsweep sweep ...`: the planner's REST API from the command line (one file per subcommand). */
export function register(program: Command): void {
  const sweep = addPlannerOptions(program.command('sweep').description("create, follow, export and delete sweeps on a planner (its REST API)"));
  sweep.addHelpText(
    'after',
    `
Examples:
  $ lawsweep sweep create examples/specs/chinchilla-demo.yaml
  $ lawsweep sweep watch SWEEP_ID
  $ lawsweep sweep export SWEEP_ID --format csv --out runs.csv
  $ lawsweep sweep delete SWEEP_ID                   # an ended sweep, after export: frees its Redis memory
  $ LAWSWEEP_PLANNER_URL=http://planner:3000 LAWSWEEP_TOKEN=... lawsweep sweep list`,
  );
  for (const add of [registerCreate, registerList, registerStatus, registerWatch, registerFit, registerForecast, registerExport, registerImport, registerUpdate, registerPause, registerResume, registerCancel, registerDelete]) add(sweep);
}
