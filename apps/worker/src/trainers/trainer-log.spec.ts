import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrainerLog } from './trainer-log';

/** trainer.log on a real file: order, streams, attempts appended, and the first/last bound. */
describe('TrainerLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-trainer-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const path = () => join(dir, `trainer-${++n}.log`);
  const body = (line: string) => line.replace(/^\S+ /, ''); // without the time

  it('both streams interleaved in order, a line each with its stream; attempts appended', async () => {
    const file = path();
    const first = await TrainerLog.open(file, 1 << 20);
    first.note('attempt 1');
    first.line('stdout', '{"tokens": 1, "loss": 5}');
    first.line('stderr', 'warning: slow');
    first.line('stdout', 'epoch 1 done');
    expect(await first.close()).toBeUndefined();
    const second = await TrainerLog.open(file, 1 << 20);
    second.line('stderr', 'Traceback');
    await second.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toMatch(/^==> \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z attempt 1$/);
    expect(lines.slice(1).map(body)).toEqual(['stdout {"tokens": 1, "loss": 5}', 'stderr warning: slow', 'stdout epoch 1 done', 'stderr Traceback', '']);
  });

  it('keeps the first and the last half of the budget, whole lines, and says how much it left out', async () => {
    const file = path();
    const log = await TrainerLog.open(file, 20_000);
    const total = 100_000;
    let written = 0;
    let peak = 0;
    for (let i = 1; i <= total; i++) {
      log.line('stdout', `line ${i}`);
      written += `2026-01-01T00:00:00.000Z stdout line ${i}\n`.length;
      if (i % 2_000 === 0) {
        await new Promise((r) => setTimeout(r, 5)); // let it write, then look at the file as `tail -f` would
        peak = Math.max(peak, statSync(file).size);
      }
    }
    expect(await log.close()).toBeUndefined();
    const text = readFileSync(file, 'utf8');
    expect(peak).toBeGreaterThan(20_000 + 200); // it did hold more than it keeps in the end...
    expect(peak).toBeLessThanOrEqual(10_000 + 200 + 2 * 10_000); // ...but never more than the head, the marker and twice the tail
    expect(text.length).toBeLessThanOrEqual(20_000 + 200);
    const lines = text.trimEnd().split('\n');
    expect(body(lines[0])).toBe('stdout line 1');
    expect(body(lines[lines.length - 1])).toBe(`stdout line ${total}`);
    const marker = lines.findIndex((l) => l.startsWith('… lawsweep:'));
    const skipped = Number(/(\d+) bytes left out here/.exec(lines[marker])![1]);
    expect(lines[marker]).toMatch(/trainer\.log keeps the first and the last 0\.00954 MiB of each attempt/);
    // Every line on either side of the marker is whole and in order; what is missing is what it counts.
    const numbers = lines.filter((_, i) => i !== marker).map((l) => Number(/^\S+ stdout line (\d+)$/.exec(l)![1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    const before = numbers.filter((_, i) => i < marker);
    expect(numbers.length).toBe(new Set(numbers).size);
    expect(numbers[marker]).toBeGreaterThan(before[before.length - 1] + 1);
    expect(skipped).toBe(written - (text.length - lines[marker].length - 1));
  });

  it('output between the head and the tail is not cut: no marker', async () => {
    const file = path();
    const log = await TrainerLog.open(file, 2_000);
    for (let i = 0; i < 40; i++) log.line('stdout', `x${i}`); // ~1,200 bytes
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/left out/);
    expect(text.trimEnd().split('\n')).toHaveLength(40);
  });

  it('a head filled exactly by one write keeps the rest out of it', async () => {
    const file = path();
    const log = await TrainerLog.open(file, 1_280); // a head of 640 bytes
    const line = (i: number) => `exactly 64 bytes, line ${String(i).padStart(8, '0')}`; // 32 + 31 + newline
    for (let i = 0; i < 10; i++) log.line('stdout', line(i));
    await new Promise((r) => setTimeout(r, 50)); // written: the head is full to the byte
    for (let i = 10; i < 220; i++) log.line('stdout', line(i)); // 13,440 bytes more, in one write
    expect(await log.close()).toBeUndefined();
    const text = readFileSync(file, 'utf8');
    expect(text.length).toBeLessThanOrEqual(1_280 + 200);
    const lines = text.trimEnd().split('\n');
    expect(lines.slice(0, 10).map(body)).toEqual([...Array(10).keys()].map((i) => `stdout ${line(i)}`));
    expect(lines[10]).toMatch(/bytes left out here/);
    expect(body(lines[lines.length - 1])).toBe(`stdout ${line(219)}`);
  });

  it('is created mode 0600; a symlink planted in its place is not followed', async () => {
    const file = path();
    await (await TrainerLog.open(file, 1 << 20)).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const planted = path();
    symlinkSync(victim, planted);
    await expect(TrainerLog.open(planted, 1 << 20)).rejects.toThrow(/ELOOP/);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
  });

  it('a log that cannot be opened throws at open (the runner then goes on without one)', async () => {
    await expect(TrainerLog.open(join(dir, 'no-such-dir', 'trainer.log'), 1000)).rejects.toThrow(/ENOENT/);
  });
});
