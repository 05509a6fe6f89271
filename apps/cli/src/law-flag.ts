import { builtInLawNames, closestName } from '@lawsweep/law';

/**
 * Checks a `--law NAME` flag against the built-in laws, before anything is read or fitted. The
 * error names the nearest known law (a typo such as `chinchila`) and, where the command takes one,
 * the `--expression` flag for a law of one's own (the spec's `{ expression, params }` is not a flag).
 */
export function checkLawFlag(name: string, options: { expressionFlag: boolean }): void {
  const known = builtInLawNames();
  if (known.includes(name)) return;
  const near = closestName(name, known);
  const own = options.expressionFlag ? '; for a law of your own, give its formula with --expression "E + A / N^alpha" and --param NAME=LOWER:UPPER for each parameter' : '';
  throw new Error(`--law ${name}: unknown law "${name}"${near ? ` (did you mean --law ${near}?)` : ''}; known laws: ${known.join(', ')}${own}`);
}
