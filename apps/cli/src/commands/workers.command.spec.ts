import type { WorkerView } from '../client/planner-api.types';
import { workersText } from './workers.command';

const worker = (id: string, state: WorkerView['state'], running: WorkerView['running'] = []): WorkerView => ({
  id,
  pool: 'a100',
  state,
  lastSeen: '2026-12-07T12:00:00.000Z',
  secondsSinceSeen: state === 'gone' ? 95 : 0,
  concurrency: 2,
  busy: running.length,
  capacity: { N: 1e9 },
  labels: {},
  running,
});

describe('workersText (lawsweep workers)', () => {
  const run = { sweepId: 'sw-1', runId: 'sw-1-r00003', config: { N: 1e8, D: 1e10 }, startedAt: null };

  it('hides gone workers unless they still hold runs, and says how many it hid', () => {
    const text = workersText([worker('w-live', 'live'), worker('w-killed', 'gone', [run]), worker('w-old', 'gone')], { all: false });
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^w-live\s+a100\s+live\s+0\/2\s+N<=1\.0e9\s+-\s+now\s+-$/);
    // Its run waits for a live worker of the pool to find it stalled: worth seeing.
    expect(lines[2]).toMatch(/^w-killed\s+a100\s+gone\s+1\/2\s+N<=1\.0e9\s+-\s+1m 35s ago\s+sw-1\/sw-1-r00003$/);
    expect(text).not.toContain('w-old');
    expect(lines[3]).toBe('(1 gone worker not shown: --all lists them)');
    expect(workersText([worker('w-old', 'gone')], { all: true })).toContain('w-old');
  });

  it('says how to start one when there are none', () => {
    expect(workersText([worker('w-old', 'gone')], { all: false, pool: 'a100' })).toBe(
      "no workers in pool 'a100' (1 gone: --all lists them): start one with `lawsweep worker --pool POOL --capacity N=1e9` (lawsweep worker --help)",
    );
  });
});
