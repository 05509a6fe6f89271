import type { CurvePoint } from '@lawsweep/contracts';

/** What one stdout line of a command trainer means under the protocol of ARCHITECTURE.md. */
export type TrainerLine =
  | { kind: 'progress'; point: CurvePoint }
  | { kind: 'final'; loss: number }
  | { kind: 'log'; text: string };

/** Python's json.dumps writes NaN, Infinity and -Infinity bare; JSON.parse rejects them. */
const BARE_NON_FINITE = /(:\s*|\[\s*|,\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'nan') return NaN;
    if (t === 'inf' || t === 'infinity' || t === '+inf' || t === '+infinity') return Infinity;
    if (t === '-inf' || t === '-infinity') return -Infinity;
    if (t !== '' && !Number.isNaN(Number(t))) return Number(t);
  }
  return undefined;
}

function parseObject(line: string): Record<string, unknown> | undefined {
  const text = line.trim();
  if (!text.startsWith('{') || !text.endsWith('}')) return undefined;
  for (const candidate of [text, text.replace(BARE_NON_FINITE, '$1"$2"')]) {
    try {
      const value: unknown = JSON.parse(candidate);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // not JSON: try the next form, then treat the line as log
    }
  }
  return undefined;
}

/**
 * `{"tokens": 1.2e9, "loss": 3.41}` is progress (a non-finite progress loss is kept as log: the
 * curve must stay finite, and only the final loss decides the run); `{"final": true, "loss": x}`
 * is the final loss, finite or not (the caller judges it); anything else is log.
 */
export function parseTrainerLine(line: string): TrainerLine {
  const obj = parseObject(line);
  if (!obj || !('loss' in obj)) return { kind: 'log', text: line };
  const loss = toNumber(obj.loss);
  if (obj.final === true) return { kind: 'final', loss: loss ?? NaN };
  if (loss === undefined || !Number.isFinite(loss)) return { kind: 'log', text: line };
  const point: CurvePoint = { loss };
  const tokens = toNumber(obj.tokens);
  const step = toNumber(obj.step);
  if (tokens !== undefined && Number.isFinite(tokens)) point.tokens = tokens;
  if (step !== undefined && Number.isFinite(step)) point.step = step;
  return { kind: 'progress', point };
}

/** Why a final loss cannot be recorded, or undefined when it can. */
export function finalLossProblem(loss: number | undefined): string | undefined {
  if (loss === undefined) return 'no final loss: the trainer never printed {"final": true, "loss": <number>}';
  if (!Number.isFinite(loss)) return `final loss is non-finite (${loss})`;
  if (loss <= 0) return `final loss must be positive, got ${loss}`;
  return undefined;
}

/** Keeps the last `maxChars` characters of a stream (stderr tail, log tail). */
export class TailBuffer {
  private text = '';

  constructor(private readonly maxChars = 4000) {}

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > 2 * this.maxChars) this.text = this.text.slice(-this.maxChars);
  }

  toString(): string {
    return this.text.length > this.maxChars ? `…${this.text.slice(-this.maxChars)}` : this.text;
  }
}

/**
 * Splits a trainer's stdout into lines (\n, \r\n or a lone \r, as readline does; empty lines are
 * skipped), keeping at most `maxChars` of any one line: readline buffers a line without end, so a
 * trainer that printed gigabytes without a newline took the worker, and every run on the node, down
 * with it. The rest of an over-long line is dropped and counted.
 */
export class LineSplitter {
  private partial = '';
  private dropped = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxChars = 1 << 20,
  ) {}

  push(chunk: string): void {
    const parts = chunk.split(/\r\n|\r|\n/);
    for (let i = 0; i < parts.length; i++) {
      this.append(parts[i]);
      if (i < parts.length - 1) this.emit();
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    this.emit();
  }

  private append(text: string): void {
    const room = this.maxChars - this.partial.length;
    if (text.length <= room) this.partial += text;
    else {
      this.partial += text.slice(0, Math.max(room, 0));
      this.dropped += text.length - Math.max(room, 0);
    }
  }

  private emit(): void {
    const line = this.dropped > 0 ? `${this.partial}… (${this.dropped} more characters of this line dropped)` : this.partial;
    this.partial = '';
    this.dropped = 0;
    if (line) this.onLine(line);
  }
}
