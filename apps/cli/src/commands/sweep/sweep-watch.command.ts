import type { Command } from 'commander';
import { FAILING_RUNS_WARNING } from '@lawsweep/contracts';
import { stdoutIsTty } from '../../cli-config';
import { plannerClientFor } from '../../client/planner-options';
import { targetText } from '../../format';
import { LineProgressView } from '../../watch/line-progress.view';
import { pausedByBreaker, SweepWatcher } from '../../watch/sweep-watcher';
import { TtyProgressView } from '../../watch/tty-progress.view';

export function registerWatch(sweep: Command): void {
  sweep
    .command('watch')
    .description('follow a sweep live until it ends (or the circuit breaker pauses it: exit 1 with the reason; Ctrl-C stops watching, not the sweep: exit 130): budget spent and reserved, runs, the target interval narrowing')
    .argument('<id>', 'sweep id')
    .option('--interval <seconds>', 'seconds between polls of the planner', '1')
    .option('--json', 'one JSON object per change (for scripts)')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        '  0    the sweep ended: done or cancelled',
        '  1    the sweep failed; or the circuit breaker paused it (its runs keep failing: the reason on stderr);',
        '       or the planner could not be reached for 30 s',
        '  130  Ctrl-C: the watching stopped, the sweep goes on',
        '',
        'Example:',
        '  $ lawsweep sweep watch SWEEP_ID            # live bars on a terminal, plain lines when piped',
        '  $ lawsweep sweep watch SWEEP_ID --json | tail -1',
      ].join('\n'),
    )
    .action(async (id: string, opts: { interval: string; json?: boolean }, cmd: Command) => {
      const seconds = Number(opts.interval);
      if (!(seconds > 0 && seconds <= 3600)) throw new Error(`--interval: expected seconds above 0 and at most 3600 (e.g. 0.5 or 5), got '${opts.interval}'`);
      const client = plannerClientFor(cmd);
      const view = stdoutIsTty() && !opts.json ? new TtyProgressView(`sweep ${id}  (dashboard: ${client.dashboardUrl(id)})`) : new LineProgressView(undefined, opts.json);
      const stop = new AbortController();
      const onSigint = () => stop.abort();
      process.once('SIGINT', onSigint);
      try {
        let final;
        try {
          final = await new SweepWatcher(client, view).watch(id, { intervalMs: seconds * 1000, signal: stop.signal });
        } catch (err) {
          if (!stop.signal.aborted) throw err;
          // Ctrl-C before the planner ever answered: interrupted all the same (130), saying so.
          process.stderr.write(`lawsweep: ${(err as Error).message}\n`);
          process.exitCode = 130;
          return;
        }
        const ended = final.state === 'done' || final.state === 'failed' || final.state === 'cancelled';
        if (stop.signal.aborted && !ended) {
          // Ctrl-C stops the watching, not the sweep: say so, and exit 130 (interrupted) so that
          // `watch && export` does not go on as if the sweep had ended.
          const next =
            final.state === 'paused'
              ? `it buys nothing until resumed (lawsweep sweep resume ${final.id})`
              : `it goes on (lawsweep sweep watch ${final.id} follows it again; lawsweep sweep pause or cancel stops it)`;
          process.stderr.write(`stopped watching: sweep ${final.id} is ${final.state}; ${next}\n`);
          process.exitCode = 130;
          return;
        }
        if (!opts.json) {
          process.stdout.write(`sweep ${final.id} ${final.state}${final.stopReason ? ` (${final.stopReason})` : ''}\n`);
          for (const t of final.targets) process.stdout.write(`  target ${targetText(t)}\n`);
        }
        if (pausedByBreaker(final)) {
          for (const w of final.warnings ?? []) if (w.code === FAILING_RUNS_WARNING) process.stderr.write(`lawsweep: ${w.message}\n`);
        }
        if (final.state === 'failed' || pausedByBreaker(final)) process.exitCode = 1;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
