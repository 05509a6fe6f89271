import { PassThrough } from 'node:stream';
import { askToTypeId, deleteConfirmation } from './delete-confirmation';

describe('lawsweep sweep delete: confirmation', () => {
  it('goes on with --yes, asks on a terminal, refuses otherwise', () => {
    expect(deleteConfirmation({ yes: true, stdinIsTTY: false })).toBe('go');
    expect(deleteConfirmation({ yes: true, stdinIsTTY: true })).toBe('go');
    expect(deleteConfirmation({ stdinIsTTY: true })).toBe('ask');
    expect(deleteConfirmation({ stdinIsTTY: false })).toBe('refuse');
  });

  const ask = async (typed: string | null) => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d) => (shown += d));
    const answer = askToTypeId('sw-abc', 'Type the sweep id: ', input, output);
    if (typed === null) input.end();
    else input.write(`${typed}\n`);
    return { ok: await answer, shown };
  };

  it('deletes only when the exact id is typed; anything else, or the end of input, is a no', async () => {
    expect(await ask('sw-abc')).toEqual({ ok: true, shown: 'Type the sweep id: ' });
    expect((await ask('  sw-abc ')).ok).toBe(true);
    expect((await ask('y')).ok).toBe(false);
    expect((await ask('sw-ab')).ok).toBe(false);
    expect((await ask(null)).ok).toBe(false);
  });
});
