import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { TrainerSpec } from '@lawsweep/contracts';
import { WorkerConfig } from '../config/worker.config';
import { CommandTrainerRunner } from './command-trainer.runner';
import { OrphanTrainers } from './orphan-trainers.service';
import type { TrainerContext } from './trainer.types';

type CommandSpec = Extract<TrainerSpec, { type: 'command' }>;

/** The command runner around its edges, with real trainers (sh) in real run directories. */
describe('CommandTrainerRunner', () => {
  const root = mkdtempSync(join(tmpdir(), 'lawsweep-command-runner-'));
  const config = Object.assign(new WorkerConfig(), { id: 'unit', runRoot: root, killGraceSeconds: 0.2, defaultTimeoutSeconds: 0, trainerLogMiB: 1, baseEnv: { PATH: process.env.PATH ?? '' } });
  const runner = new CommandTrainerRunner(config, new OrphanTrainers(config));
  let n = 0;

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    Logger.overrideLogger(['log', 'warn', 'error']);
  });

  function context(): TrainerContext {
    const runId = `run-${++n}`;
    const runDir = join(root, 'sweep', runId);
    mkdirSync(runDir, { recursive: true });
    return { job: { sweepId: 'sweep', runId, config: {}, cost: 1, trainer: { type: 'command', command: ['true'] } }, attempt: 1, runDir, env: {}, signal: new AbortController().signal, onProgress: () => undefined };
  }

  const sh = (script: string, extra: Partial<CommandSpec> = {}): CommandSpec => ({ type: 'command', command: ['sh', '-c', script], ...extra });

  it('a timeout longer than a timer can wait (30 days) does not fire at once', async () => {
    const ctx = context();
    const outcome = await runner.run(sh('sleep 0.3; echo \'{"final": true, "loss": 2}\'', { timeoutSeconds: 30 * 86_400 }), ctx);
    expect(outcome).toEqual({ loss: 2 });
    expect(existsSync(join(ctx.runDir, 'trainer.log'))).toBe(true);
  });
});
