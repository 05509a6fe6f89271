import type { Command } from 'commander';
import { register as planner } from './planner.command';
import { register as worker } from './worker.command';
import { register as simulate } from './simulate.command';
import { register as fit } from './fit.command';
import { register as sweep } from './sweep.command';
import { register as plot } from './plot.command';
import { register as demo } from './demo.command';
import { register as workers } from './workers.command';

/**
 * Each command lives in its own `*.command.ts` exporting `register(program)`; add one line here
 * per command.
 */
type Register = (program: Command) => void;
const registrations: Register[] = [planner, worker, simulate, fit, sweep, plot, workers, demo];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
