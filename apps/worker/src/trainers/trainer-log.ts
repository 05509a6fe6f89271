import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** The file in a run's directory that holds what its trainer printed. */
export const TRAINER_LOG_FILE = 'trainer.log';

/** Above this much output waiting to be written, the trainer's output is paused (FlowControl). */
const PAUSE_ABOVE_BYTES = 1 << 20;

/** How the log slows the trainer's output down while the disk is behind (ProcessGroup.pauseOutput). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/** The line that stands where output was left out; rewritten in place, so always the same length. */
function cutMarker(skippedBytes: number, keptMiB: string): string {
  return `… lawsweep: ${String(skippedBytes).padStart(15)} bytes left out here (trainer.log keeps the first and the last ${keptMiB} MiB of each attempt) …\n`;
}

/**
 * A trainer's stdout and stderr, interleaved in the order the worker read them, one line each with
 * its time and stream, appended to `<runDir>/trainer.log` (one section per attempt, so a retried
 * run keeps the output of the attempts that failed). One file rather than stdout.log and stderr.log:
 * a traceback means little without the progress lines around it, and the order of two separate files
 * is lost (W&B's output.log is one file too).
 *
 * Bounded: of each attempt the first `headBytes` and the last `tailBytes` are kept, with a line that
 * says how much was left out between them; a trainer printing gigabytes cannot fill the disk. The
 * tail is kept in the file itself (compacted in place before it passes twice `tailBytes`), so the
 * file is complete up to the last write even if the worker is killed, and `tail -f` follows it.
 *
 * Nothing is dropped: while the disk is behind, the trainer's output is paused (its writes block, as
 * on a slow terminal). Never fails the run: a write error (disk full) stops the log, and close()
 * reports it.
 */
export class TrainerLog {
  private position: number;
  private headUsed = 0;
  /**
   * Once the head is full: where it ends, and where the tail starts (the same until output is first
   * left out; then the marker saying how much stands between them).
   */
  private cut?: { headEnd: number; tailStart: number };
  private skipped = 0;
  private paused = false;
  private flow?: FlowControl;
  private pending: string[] = [];
  private pendingBytes = 0;
  private writing?: Promise<void>;
  private closed = false;
  private error?: Error;

  private constructor(
    private readonly handle: FileHandle,
    size: number,
    private readonly headBytes: number,
    private readonly tailBytes: number,
  ) {
    this.position = size;
  }

  /** Who to pause while the disk is behind (the trainer's process group, once started). */
  control(flow: FlowControl): void {
    this.flow = flow;
  }

  /** Opens (or creates) the log to append one attempt's output, keeping `keepBytes` of it. */
  static async open(path: string, keepBytes: number): Promise<TrainerLog> {
    // Not O_APPEND: the tail is compacted with positioned writes, which O_APPEND would ignore.
    // O_NOFOLLOW: a symlink planted in its place (a run root others can write) is not followed;
    // 0600: what a trainer prints (paths, tokens in tracebacks) is its user's.
    const handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
    try {
      const { size } = await handle.stat();
      const half = Math.max(1, Math.floor(keepBytes / 2));
      return new TrainerLog(handle, size, half, half);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** A line the worker itself adds (the attempt's start and end). */
  note(text: string): void {
    this.enqueue(`==> ${new Date().toISOString()} ${text}\n`);
  }

  /** One line of the trainer's output (without its newline). */
  line(stream: 'stdout' | 'stderr', text: string): void {
    this.enqueue(`${new Date().toISOString()} ${stream} ${text}\n`);
  }

  /** Writes what is queued, cuts the tail to size, closes the file; resolves to the write error, if any. */
  async close(): Promise<Error | undefined> {
    this.closed = true; // output read after this (a straggler's last bytes) is not written
    while (this.writing) await this.writing;
    await this.drain();
    this.resume(); // whatever is still unread goes nowhere now, rather than block the trainer
    try {
      if (!this.error && this.cut && this.position - this.cut.tailStart > this.tailBytes) await this.compact();
    } catch (err) {
      this.error ??= err as Error;
    }
    await this.handle.close().catch(() => undefined);
    return this.error;
  }

  private enqueue(text: string): void {
    if (this.error || this.closed) return;
    this.pending.push(text);
    this.pendingBytes += Buffer.byteLength(text);
    if (this.pendingBytes > PAUSE_ABOVE_BYTES && !this.paused && this.flow) {
      this.paused = true;
      this.flow.pause();
    }
    this.writing ??= this.drain();
  }

  private resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flow?.resume();
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.error) {
        const chunk = Buffer.from(this.pending.join(''));
        this.pending = [];
        this.pendingBytes = 0;
        await this.write(chunk);
      }
    } catch (err) {
      this.error = err as Error;
      this.pending = [];
      this.pendingBytes = 0;
    } finally {
      this.writing = undefined;
      this.resume();
    }
  }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.cut) {
      const room = this.headBytes - this.headUsed;
      // The head ends at a line's end: the last newline that fits. With no room left, none: a
      // lastIndexOf from -1 would search from the chunk's end and put all of it in the head.
      const fits = chunk.length <= room ? chunk.length : room > 0 ? chunk.lastIndexOf(0x0a, room - 1) + 1 : 0;
      if (fits > 0) {
        await this.writeAt(chunk.subarray(0, fits), this.position);
        this.position += fits;
        this.headUsed += fits;
      }
      if (fits === chunk.length) return;
      chunk = chunk.subarray(fits);
      this.cut = { headEnd: this.position, tailStart: this.position };
    }
    // In pieces of at most tailBytes, compacting first where one would take the tail past twice
    // tailBytes: the file never holds more than the head, the marker and twice the tail.
    for (let from = 0; from < chunk.length; from += this.tailBytes) {
      const piece = chunk.subarray(from, from + this.tailBytes);
      if (this.position - this.cut.tailStart + piece.length > 2 * this.tailBytes) await this.compact();
      await this.writeAt(piece, this.position);
      this.position += piece.length;
    }
  }

  /**
   * Leaves out all of the tail but its last tailBytes (from a line's start where there is one): the
   * marker goes after the head (or is rewritten there, with the new count), the kept bytes after it.
   */
  private async compact(): Promise<void> {
    const cut = this.cut!;
    const length = Math.min(this.tailBytes, this.position - cut.tailStart);
    const last = Buffer.alloc(length);
    await this.handle.read(last, 0, length, this.position - length);
    const newline = last.indexOf(0x0a);
    const kept = newline >= 0 && newline < length - 1 ? last.subarray(newline + 1) : last;
    this.skipped += this.position - cut.tailStart - kept.length;
    cut.tailStart = cut.headEnd + (await this.writeAt(Buffer.from(this.markerText()), cut.headEnd));
    await this.writeAt(kept, cut.tailStart);
    this.position = cut.tailStart + kept.length;
    await this.handle.truncate(this.position);
  }

  private markerText(): string {
    return cutMarker(this.skipped, String(+(this.headBytes / (1 << 20)).toPrecision(3)));
  }

  private async writeAt(buffer: Buffer, position: number): Promise<number> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.length - done, position + done);
      done += bytesWritten;
    }
    return buffer.length;
  }
}
