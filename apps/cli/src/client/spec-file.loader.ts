import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { secretLikeEnvKeys, secretLikeEnvText } from '@lawsweep/contracts';
import { readConfigsCsv } from '@lawsweep/law';

/**
 * Reads a sweep spec file for `sweep create`: YAML or JSON (YAML is a superset of JSON, so one
 * parser reads both). A `candidates: pool.csv` path is read here, relative to the spec's folder,
 * and sent as inline configs: the planner runs elsewhere and cannot see this machine's files.
 * Everything else is validated by the planner, which names each bad field.
 */
export function loadSpecFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the spec file ${path}: ${(err as Error).message}. Start from examples/specs/chinchilla-demo.yaml.`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${path} is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: a sweep spec is a mapping (name, law, variables, budget, targets, trainer, ...)`);
  const spec = { ...(raw as Record<string, unknown>) };
  if (typeof spec.candidates === 'string') {
    const variables = spec.variables && typeof spec.variables === 'object' ? Object.keys(spec.variables) : [];
    if (variables.length === 0) throw new Error(`${path}: candidates: a CSV pool needs 'variables' naming its columns`);
    const csvPath = resolve(dirname(resolve(path)), spec.candidates);
    try {
      spec.candidates = readConfigsCsv(readFileSync(csvPath, 'utf8'), variables).map((row) => row.config);
    } catch (err) {
      throw new Error(`${path}: candidates: ${(err as Error).message}`);
    }
  }
  return spec;
}

/**
 * What `sweep create` cannot do for the user but should tell them: a replay trainer's CSV is read
 * by each worker, on its disk, from its working directory, while `simulate` and `candidates` read
 * paths next to the spec. The same spec that simulates fine fails every run on a live stack.
 */
export function specFileNotes(path: string, spec: Record<string, unknown>): string[] {
  const trainer = spec.trainer as { type?: unknown; file?: unknown; env?: unknown } | undefined;
  const notes: string[] = [];
  if (trainer?.type === 'replay' && typeof trainer.file === 'string' && !isAbsolute(trainer.file)) {
    notes.push(
      `note: trainer.file '${trainer.file}' is read by each worker from its own working directory, not next to ${path} ` +
        `(as lawsweep simulate reads it); if the workers start elsewhere, give the path on their disk, e.g. ${resolve(dirname(resolve(path)), trainer.file)}`,
    );
  }
  if (trainer?.type === 'command' && trainer.env && typeof trainer.env === 'object' && !Array.isArray(trainer.env)) {
    // Only string values are judged: anything else the planner refuses, naming the field.
    const env = Object.fromEntries(Object.entries(trainer.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
    const secrets = secretLikeEnvKeys({ type: 'command', env });
    if (secrets.length > 0) notes.push(`warning: ${secretLikeEnvText(secrets)}`);
  }
  return notes;
}
