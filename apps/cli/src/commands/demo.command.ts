import type { Command } from 'commander';
import { cliEnvironment } from '../cli-config';

interface DemoFlags {
  port?: string;
  workers: string;
  fast?: boolean;
  keep?: boolean;
  out: string;
}

/** `lawsweep demo` (`npm run demo`): a whole sweep on this machine, ending with the fitted law against the truth. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('run a real sweep on this machine: Redis, the planner, 4 simulated GPU workers; ends with the fitted law against the truth')
    .option('--port <port>', 'planner port (default: a free one)')
    .option('--workers <n>', 'simulated GPU workers', '4')
    .option('--fast', 'simulated runs take no time (for tests)')
    .option('--keep', 'leave the stack running after the sweep, to explore the dashboard (Ctrl-C stops it)')
    .option('--out <dir>', 'where the plot and runs.csv go', 'lawsweep-demo')
    .addHelpText('after', '\nUses $REDIS_URL when a Redis answers there, else starts redis-server on a free port.\n\nExamples:\n  $ npm run demo\n  $ npm run demo -- --keep --port 3000     # then open http://127.0.0.1:3000/')
    .action(async (flags: DemoFlags) => {
      const workers = Number(flags.workers);
      if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new Error(`--workers: expected 1 to 64, got '${flags.workers}'`);
      const port = flags.port === undefined ? undefined : Number(flags.port);
      if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new Error(`--port: expected a TCP port, got '${flags.port}'`);
      const { DemoService } = await import('../demo/demo.service');
      const demo = new DemoService();
      let interrupts = 0;
      const onSignal = () => {
        // A second Ctrl-C while shutting down means "now".
        if (++interrupts > 1) process.exit(130);
        demo.interrupt();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const code = await demo.run({ redisUrl: cliEnvironment().redisUrl, port, workers, fast: Boolean(flags.fast), keep: Boolean(flags.keep), outDir: flags.out });
      if (flags.keep && code !== 130) {
        await demo.interrupted();
        await demo.shutdown();
      }
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.exitCode = code;
    });
}
