import { workerHolds } from './worker-registry.service';

describe('workerHolds', () => {
  it('checks only the variables a worker limits', () => {
    expect(workerHolds({ capacity: { N: 1e9 } }, { N: 1e9, D: 1e12 })).toBe(true);
    expect(workerHolds({ capacity: { N: 1e9 } }, { N: 2e9, D: 1e8 })).toBe(false);
    expect(workerHolds({ capacity: {} }, { N: 1e12 })).toBe(true);
    expect(workerHolds({ capacity: { N: 1e9, D: 1e10 } }, { N: 1e8, D: 2e10 })).toBe(false);
  });
});
