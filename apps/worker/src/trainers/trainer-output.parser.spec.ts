import { finalLossProblem, LineSplitter, parseTrainerLine, TailBuffer } from './trainer-output.parser';

describe('trainer protocol lines', () => {
  it.each([
    ['{"tokens": 1.2e9, "loss": 3.41}', { kind: 'progress', point: { tokens: 1.2e9, loss: 3.41 } }],
    ['  {"step": 10, "loss": 4, "lr": 0.001}  ', { kind: 'progress', point: { step: 10, loss: 4 } }],
    ['{"final": true, "loss": 3.02}', { kind: 'final', loss: 3.02 }],
    ['{"final": true, "loss": "3.02"}', { kind: 'final', loss: 3.02 }],
    ['{"final": true, "loss": -Infinity}', { kind: 'final', loss: -Infinity }],
    ['{"final": true}', { kind: 'log', text: '{"final": true}' }],
    ['step 10 loss 3.2', { kind: 'log', text: 'step 10 loss 3.2' }],
    ['{"loss": NaN}', { kind: 'log', text: '{"loss": NaN}' }],
    ['{"loss": "lots"}', { kind: 'log', text: '{"loss": "lots"}' }],
    ['[1, 2]', { kind: 'log', text: '[1, 2]' }],
  ])('%s', (line, expected) => {
    expect(parseTrainerLine(line)).toEqual(expected);
  });

  it("reads Python's bare NaN as a non-finite final loss", () => {
    const parsed = parseTrainerLine('{"final": true, "loss": NaN}');
    expect(parsed.kind).toBe('final');
    expect(parsed.kind === 'final' && Number.isNaN(parsed.loss)).toBe(true);
  });

  it('judges the final loss', () => {
    expect(finalLossProblem(undefined)).toMatch(/^no final loss/);
    expect(finalLossProblem(NaN)).toBe('final loss is non-finite (NaN)');
    expect(finalLossProblem(Infinity)).toBe('final loss is non-finite (Infinity)');
    expect(finalLossProblem(0)).toBe('final loss must be positive, got 0');
    expect(finalLossProblem(2.5)).toBeUndefined();
  });

  it('keeps only the tail of a long stream', () => {
    const tail = new TailBuffer(10);
    for (let i = 0; i < 100; i++) tail.push(`line ${i}\n`);
    expect(tail.toString()).toBe('…8\nline 99\n'); // the last 10 characters
  });
});

describe('LineSplitter', () => {
  const split = (chunks: string[], max?: number) => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), max);
    for (const c of chunks) s.push(c);
    s.end();
    return lines;
  };

  it('splits on \\n, \\r\\n and a lone \\r, across chunks, and keeps a last line without a newline', () => {
    expect(split(['a\nb\r', '\nc\rd', 'e\n\nf'])).toEqual(['a', 'b', 'c', 'de', 'f']);
  });

  it('keeps at most maxChars of a line and says how much it dropped', () => {
    const long = 'x'.repeat(25) + 'y'.repeat(15);
    expect(split([long.slice(0, 20), `${long.slice(20)}\n{"final": true, "loss": 2}\n`], 30)).toEqual([`${long.slice(0, 30)}… (10 more characters of this line dropped)`, '{"final": true, "loss": 2}']);
  });
});
