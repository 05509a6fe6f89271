import type { TrainerSpec } from './run-job.types';

/**
 * Placeholders of the command trainer (trainer protocol): `{name}` inside an argument of
 * `trainer.command` or a value of `trainer.env` is replaced, per run, by the config's value of the
 * variable `name`, or by one of the values every run has (RUN_PLACEHOLDERS). The worker substitutes
 * them (apps/worker command-trainer.runner.ts) and the spec parser checks them (parseSweepSpec), from
 * these same definitions, so a spec the planner accepts never fails its runs on a placeholder.
 */
export const PLACEHOLDER_PATTERN = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** What every run provides besides the spec's variables (README, "Trainers"). */
export const RUN_PLACEHOLDERS = ['runId', 'sweepId', 'runDir', 'attempt', 'seed'] as const;
export type RunPlaceholder = (typeof RUN_PLACEHOLDERS)[number];

/** The placeholders named in one argument, in order (`{N}` gives 'N'). */
export function placeholdersIn(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER_PATTERN)].map((m) => m[1]);
}

/** `{N}, {D}` for a list of names. */
export function placeholderList(names: readonly string[]): string {
  return names.map((n) => `{${n}}`).join(', ');
}

/**
 * The placeholders of a command trainer that no run would have, as spec errors naming the field
 * (`trainer.command.2`, `trainer.env.DATA`) and the placeholders there are. Other trainers have none.
 */
export function unknownPlaceholderErrors(trainer: TrainerSpec, variables: readonly string[]): { path: string; message: string }[] {
  if (trainer.type !== 'command') return [];
  // A variable named like a per-run value ({seed}) would be shadowed by it in every command: refused.
  const shadowed = variables.filter((v) => (RUN_PLACEHOLDERS as readonly string[]).includes(v));
  if (shadowed.length > 0) {
    return shadowed.map((v) => ({
      path: `variables.${v}`,
      message: `'${v}' is also a per-run placeholder of command trainers ({${v}}: ${placeholderList(RUN_PLACEHOLDERS)}), so {${v}} could not mean this variable; rename it (e.g. '${v}_value')`,
    }));
  }
  const known = new Set<string>([...variables, ...RUN_PLACEHOLDERS]);
  const fields: [string, string][] = [...trainer.command.map((arg, i): [string, string] => [`trainer.command.${i}`, arg]), ...Object.entries(trainer.env ?? {}).map(([k, v]): [string, string] => [`trainer.env.${k}`, v])];
  const errors: { path: string; message: string }[] = [];
  for (const [path, template] of fields) {
    for (const name of new Set(placeholdersIn(template))) {
      if (known.has(name)) continue;
      errors.push({
        path,
        message:
          `unknown placeholder {${name}} in '${template}': a command can use the spec's variables (${placeholderList(variables)}) ` +
          `and ${placeholderList(RUN_PLACEHOLDERS)}; fix the name, or declare ${name} under variables`,
      });
    }
  }
  return errors;
}
