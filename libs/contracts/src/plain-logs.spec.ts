import { plainLogsWhenPiped } from './plain-logs';

describe('plainLogsWhenPiped', () => {
  it('turns colour off for a pipe or file, and leaves a terminal and an explicit choice alone', () => {
    const piped: NodeJS.ProcessEnv = {};
    plainLogsWhenPiped({ isTTY: false }, piped);
    expect(piped.NO_COLOR).toBe('1');
    const terminal: NodeJS.ProcessEnv = {};
    plainLogsWhenPiped({ isTTY: true }, terminal);
    expect(terminal.NO_COLOR).toBeUndefined();
    const forced: NodeJS.ProcessEnv = { FORCE_COLOR: '1' };
    plainLogsWhenPiped({ isTTY: false }, forced);
    expect(forced.NO_COLOR).toBeUndefined();
  });
});
