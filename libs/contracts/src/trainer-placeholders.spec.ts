import { parseSweepSpec } from './sweep-spec.schema';
import { placeholdersIn, RUN_PLACEHOLDERS } from './trainer-placeholders';

const spec = (trainer: unknown) => ({
  name: 'placeholders',
  variables: { N: { min: 1e7, max: 1e9 }, D: { min: 1e8, max: 1e11 } },
  budget: 1e21,
  targets: [{ N: 7e10, D: 1.4e12 }],
  trainer,
});

describe('command trainer placeholders in a spec', () => {
  it('finds the names in an argument', () => {
    expect(placeholdersIn('--out={runDir}/ckpt-{N}x{D}')).toEqual(['runDir', 'N', 'D']);
    expect(placeholdersIn('{"json": 1} {} {1x}')).toEqual([]);
  });

  it("accepts the spec's variables and every placeholder the protocol gives a run", () => {
    const command = ['/opt/train', ...['N', 'D', ...RUN_PLACEHOLDERS].map((p) => `--${p}={${p}}`)];
    const r = parseSweepSpec(spec({ type: 'command', command, env: { OUT: '{runDir}/out' } }));
    expect(r).toMatchObject({ ok: true });
  });

  it('rejects an unknown placeholder in an argument, naming the field and listing the valid ones', () => {
    const r = parseSweepSpec(spec({ type: 'command', command: ['/nonexistent/train', '{N}', '{Q}'] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      {
        path: 'trainer.command.2',
        message: "unknown placeholder {Q} in '{Q}': a command can use the spec's variables ({N}, {D}) and {runId}, {sweepId}, {runDir}, {attempt}, {seed}; fix the name, or declare Q under variables",
      },
    ]);
  });

  it('rejects one in an env value too, once per field however often it appears', () => {
    const r = parseSweepSpec(spec({ type: 'command', command: ['/opt/train'], env: { OUT: '{run_dir}/{run_dir}' } }));
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['trainer.env.OUT']);
  });

  it("refuses a variable named like a per-run placeholder, which would shadow it in the command", () => {
    const r = parseSweepSpec({ ...spec({ type: 'command', command: ['/opt/train', '--seed={seed}'] }), variables: { N: { min: 1e7, max: 1e9 }, seed: { min: 1, max: 5, scale: 'linear', steps: 5 } } });
    expect(r.ok ? [] : r.errors).toEqual([{ path: 'variables.seed', message: expect.stringMatching(/^'seed' is also a per-run placeholder of command trainers .*rename it \(e\.g\. 'seed_value'\)$/) }]);
    // Other trainers substitute nothing: the name is free there.
    expect(parseSweepSpec({ ...spec({ type: 'simulate' }), variables: { N: { min: 1e7, max: 1e9 }, seed: { min: 1, max: 5 } } }).ok).toBe(true);
  });

  it('a placeholder is case-sensitive, as the worker substitutes it', () => {
    const r = parseSweepSpec(spec({ type: 'command', command: ['/opt/train', '{n}'] }));
    expect(r.ok ? [] : r.errors.map((e) => e.path)).toEqual(['trainer.command.1']);
  });
});
