import { CapacityFilter } from './capacity-filter';

describe('CapacityFilter', () => {
  const small = { N: 1e6, D: 1e8 };
  const big = { N: 1e9, D: 1e8 };

  it('holds everything with no live worker or one without limits', () => {
    const filter = new CapacityFilter();
    expect(filter.forPool('p', []).limited).toBe(false);
    const open = filter.forPool('p', [{ capacity: { N: 1e7 } }, { capacity: {} }]);
    expect(open.limited).toBe(false);
    expect(open.holds(big)).toBe(true);
  });

  it('answers from the live capacities, and again when they change', () => {
    const filter = new CapacityFilter();
    const first = filter.forPool('p', [{ capacity: { N: 1e7 } }, { capacity: { N: 5e6 } }]);
    expect(first.limited).toBe(true);
    expect([first.holds(small), first.holds(big)]).toEqual([true, false]);
    // The same capacities in another order: the memo is kept (same answers, same configs).
    expect(filter.forPool('p', [{ capacity: { N: 5e6 } }, { capacity: { N: 1e7 } }]).holds(big)).toBe(false);
    // A bigger worker joins: the memo is dropped and the big config fits.
    const second = filter.forPool('p', [{ capacity: { N: 1e7 } }, { capacity: { N: 2e9 } }]);
    expect(second.holds(big)).toBe(true);
    // Another pool has its own memo.
    expect(filter.forPool('q', [{ capacity: { N: 1e7 } }]).holds(big)).toBe(false);
    expect(filter.forPool('p', [{ capacity: { N: 1e7 } }, { capacity: { N: 2e9 } }]).holds(big)).toBe(true);
  });
});
