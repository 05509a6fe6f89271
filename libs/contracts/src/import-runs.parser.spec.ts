import { parseImportedRuns } from './import-runs.parser';

describe('parseImportedRuns', () => {
  it('accepts flat rows, { config, loss } rows, bare or under `runs`', () => {
    expect(parseImportedRuns([{ N: '1e8', D: 2e9, loss: 3.1 }], ['N', 'D'])).toEqual({ runs: [{ config: { N: 1e8, D: 2e9 }, loss: 3.1 }], errors: [] });
    expect(parseImportedRuns({ runs: [{ config: { N: 1e8, D: 2e9 }, loss: '3' }] }, ['N', 'D']).runs).toEqual([{ config: { N: 1e8, D: 2e9 }, loss: 3 }]);
  });

  it('names the bad field of each bad row', () => {
    const { errors } = parseImportedRuns([{ N: 1e8, D: 2e9 }, { config: { N: -1, D: 2e9, M: 3 }, loss: 2 }, 'x'], ['N', 'D']);
    expect(errors.map((e) => e.path)).toEqual(['runs.0.loss', 'runs.1.config.N', 'runs.1.config', 'runs.2']);
    expect(errors[2].message).toMatch(/unknown variable\(s\) M; the sweep's variables are N, D/);
  });

  it('rejects a body that is not a list', () => {
    expect(parseImportedRuns({ rows: [] }, ['N']).errors[0]).toMatchObject({ path: 'runs' });
  });
});
