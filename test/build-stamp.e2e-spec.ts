import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/built';

/**
 * `npm run build` writes dist/.build-stamp, so the next `npm run lawsweep`/`demo`/`test`
 * (scripts/ensure-built.js) does not build again. Run on a one-file project laid out like this
 * one, with this repository's build scripts (package.json's `build` and `build:if-needed`, scripts/)
 * and its TypeScript, so it takes seconds. Source times are set explicitly, not waited for.
 */
describe('npm run build and the build stamp', () => {
  let dir: string;
  const stamp = () => join(dir, 'dist/.build-stamp');
  const source = () => join(dir, 'apps/main.ts');
  const past = new Date(Date.now() - 3_600_000);
  const npm = (...args: string[]) => spawnSync('npm', ['run', '-s', ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const ensureBuilt = () => spawnSync(process.execPath, [join(dir, 'scripts/ensure-built.js')], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const writeSource = (text: string) => {
    writeFileSync(source(), text);
    utimesSync(source(), past, past);
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lawsweep-build-stamp-'));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'stamp-test', private: true, scripts: { build: pkg.scripts.build, 'build:if-needed': pkg.scripts['build:if-needed'] } }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, outDir: 'dist', rootDir: '.', types: [], baseUrl: '.', paths: {} } }));
    writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', include: ['apps', 'libs', 'bench'] }));
    mkdirSync(join(dir, 'scripts'));
    for (const script of ['build.js', 'ensure-built.js']) copyFileSync(join(ROOT, 'scripts', script), join(dir, 'scripts', script));
    for (const d of ['apps', 'libs', 'bench']) mkdirSync(join(dir, d));
    symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(dir, 'node_modules'));
    writeSource('export const answer: number = 42;\n');
    for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) utimesSync(join(dir, f), past, past);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the stamp, and ensure-built then does not build again', () => {
    const build = npm('build');
    expect(build.stderr + build.stdout).toBe('');
    expect(build.status).toBe(0);
    expect(existsSync(join(dir, 'dist/apps/main.js'))).toBe(true);
    expect(existsSync(stamp())).toBe(true);
    const stamped = statSync(stamp()).mtimeMs;
    const again = ensureBuilt();
    expect(again.status).toBe(0);
    expect(again.stderr).not.toContain('building');
    expect(statSync(stamp()).mtimeMs).toBe(stamped);
    // npm test's step, the same check.
    expect(npm('build:if-needed').stderr).not.toContain('building');
  }, 120_000);

  it('a source newer than the stamp is built by ensure-built, which leaves a stamp the next call trusts', () => {
    const future = new Date(statSync(stamp()).mtimeMs + 3_600_000);
    utimesSync(source(), future, future);
    const rebuild = ensureBuilt();
    expect(rebuild.stderr).toContain('lawsweep: building (tsc)');
    expect(rebuild.status).toBe(0);
    utimesSync(source(), past, past);
    expect(ensureBuilt().stderr).not.toContain('building');
  }, 120_000);

  it('a build that fails exits non-zero and leaves no stamp, so the next ensure-built builds again', () => {
    writeSource('export const answer: number = "forty-two";\n');
    const build = npm('build');
    expect(build.status).not.toBe(0);
    expect(build.stdout + build.stderr).toMatch(/error TS2322/);
    expect(existsSync(stamp())).toBe(false);
    expect(ensureBuilt().stderr).toContain('lawsweep: building (tsc)');
    writeSource('export const answer: number = 42;\n');
    expect(npm('build').status).toBe(0);
    expect(existsSync(stamp())).toBe(true);
  }, 120_000);
});
