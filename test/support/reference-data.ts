import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The real Chinchilla runs (Epoch AI's digitisation) live beside the checkout, in the project's
 * shared data folder (../shared/data), not in this repository. Where a checkout has no such folder
 * (a clone elsewhere), the tests that reproduce published fits from it are skipped with a note
 * instead of failing `npm test`; where it exists (this project's machines and CI) they run.
 */
export const EPOCH_CSV = join(__dirname, '../../../shared/data/epoch_chinchilla.csv');

export const hasEpochData = existsSync(EPOCH_CSV);

/** `describe` when the reference data is there; otherwise `describe.skip`, saying why once. */
export function describeWithEpochData(name: string, body: () => void): void {
  if (hasEpochData) {
    describe(name, body);
    return;
  }
  process.stderr.write(`skipped "${name}": reference data ${EPOCH_CSV} not found (the project's shared data folder beside the checkout)\n`);
  describe.skip(name, body);
}
