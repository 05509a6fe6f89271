import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The example trainers: the shell toy speaks the protocol; the GPT trainer compiles and plans without torch. */
const DIR = resolve(__dirname, '../examples/trainers');
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('examples/trainers', () => {
  it('toy_trainer.sh prints falling progress and a final Chinchilla loss', () => {
    const out = spawnSync('sh', [`${DIR}/toy_trainer.sh`, '100000000', '2000000000'], { env: { PATH: process.env.PATH, TOY_SECONDS: '0.05', LAWSWEEP_RUN_ID: 'r1' }, encoding: 'utf8' });
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n').slice(1).map((l) => JSON.parse(l) as { loss: number; final?: boolean });
    expect(lines).toHaveLength(5);
    expect(lines[4].final).toBe(true);
    const chinchilla = 1.69 + 406.4 / 1e8 ** 0.34 + 410.7 / 2e9 ** 0.28;
    expect(Math.abs(Math.log(lines[4].loss / chinchilla))).toBeLessThan(0.03);
    for (let i = 1; i < 4; i++) expect(lines[i].loss).toBeLessThan(lines[i - 1].loss);
  });

  (hasPython ? describe : describe.skip)('gpt_trainer.py (python3)', () => {
    it('compiles', () => {
      const out = spawnSync('python3', ['-c', `import ast,sys; ast.parse(open(sys.argv[1]).read())`, `${DIR}/gpt_trainer.py`], { encoding: 'utf8' });
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
    });

    it('--dry-run plans the shape for N and the steps for D, without torch', () => {
      const out = spawnSync('python3', [`${DIR}/gpt_trainer.py`, '--params', '1e7', '--tokens', '2e8', '--dry-run'], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout).plan).toMatchObject({ n_layer: 6, d_model: 384, n_head: 6, non_embedding_params: 12 * 6 * 384 ** 2, steps: Math.ceil(2e8 / 8192) });
    });

    it('refuses to train without --data or $GPT_DATA, naming both', () => {
      const env = { ...process.env };
      delete env.GPT_DATA;
      const out = spawnSync('python3', [`${DIR}/gpt_trainer.py`, '--params', '1e7', '--tokens', '2e8'], { encoding: 'utf8', env });
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/--data \(or \$GPT_DATA\) is required/);
    });

    it('takes its data file from $GPT_DATA when --data is not given (a node-local path set on the worker)', () => {
      const out = spawnSync('python3', [`${DIR}/gpt_trainer.py`, '--params', '1e7', '--tokens', '2e8', '--data', '/nonexistent/tokens.bin'], { encoding: 'utf8' });
      const fromEnv = spawnSync('python3', [`${DIR}/gpt_trainer.py`, '--params', '1e7', '--tokens', '2e8'], { encoding: 'utf8', env: { ...process.env, GPT_DATA: '/nonexistent/tokens.bin' } });
      // Both get past argument checking to the data (or, without torch, the import): same outcome.
      expect(fromEnv.status).toBe(out.status);
      expect(fromEnv.status).not.toBe(0);
      expect(fromEnv.stderr).not.toMatch(/is required/);
    });
  });
});
