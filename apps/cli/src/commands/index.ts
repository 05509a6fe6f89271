import type { Command } from 'commander';

/**
 * Each command lives in its own `*.command.ts` exporting `register(program)`; add one line here
 * per command.
 */
type Register = (program: Command) => void;
const registrations: Register[] = [];

export function registerCommands(program: Command): void {
  for (const register of registrations) register(program);
}
