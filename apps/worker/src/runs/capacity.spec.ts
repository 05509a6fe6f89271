import { capacityProblem } from './capacity';

describe('capacityProblem', () => {
  it('accepts configs within every named limit, and variables the capacity does not name', () => {
    expect(capacityProblem({ N: 1e9, D: 1e13 }, { N: 1e9 }, 'w1')).toBeUndefined();
    expect(capacityProblem({ N: 1e12 }, {}, 'w1')).toBeUndefined();
  });

  it('names each variable over its limit', () => {
    expect(capacityProblem({ N: 2e9, D: 2e12 }, { N: 1e9, D: 1e12 }, 'w1')).toBe(
      'over capacity: worker w1 holds at most N=1000000000, D=1000000000000, this run needs N=2000000000 > 1000000000, D=2000000000000 > 1000000000000',
    );
  });
});
