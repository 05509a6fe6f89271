import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSpecFile, specFileNotes } from './spec-file.loader';

describe('loadSpecFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lawsweep-spec-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML and JSON alike', () => {
    writeFileSync(join(dir, 'a.yaml'), 'name: a\nbudget: 1e21\n');
    writeFileSync(join(dir, 'a.json'), '{"name": "a", "budget": 1e21}');
    expect(loadSpecFile(join(dir, 'a.yaml'))).toEqual({ name: 'a', budget: 1e21 });
    expect(loadSpecFile(join(dir, 'a.json'))).toEqual({ name: 'a', budget: 1e21 });
  });

  it('turns a candidates CSV (relative to the spec) into inline configs', () => {
    writeFileSync(join(dir, 'pool.csv'), 'N,D,note\n1e7,2e8,x\n1e8,2e9,y\n');
    writeFileSync(join(dir, 'b.yaml'), 'name: b\nvariables: { N: { min: 1e7, max: 1e8 }, D: { min: 1e8, max: 1e10 } }\ncandidates: pool.csv\n');
    expect(loadSpecFile(join(dir, 'b.yaml')).candidates).toEqual([{ N: 1e7, D: 2e8 }, { N: 1e8, D: 2e9 }]);
  });

  it('names the file, the field and the fix in its errors', () => {
    expect(() => loadSpecFile(join(dir, 'missing.yaml'))).toThrow(/cannot read the spec file .*missing\.yaml.*examples\/specs\/chinchilla-demo\.yaml/);
    writeFileSync(join(dir, 'c.yaml'), 'name: [unclosed\n');
    expect(() => loadSpecFile(join(dir, 'c.yaml'))).toThrow(/c\.yaml is not valid YAML or JSON/);
    writeFileSync(join(dir, 'd.yaml'), 'name: d\nvariables: { N: { min: 1, max: 2 }, D: { min: 1, max: 2 } }\ncandidates: nope.csv\n');
    expect(() => loadSpecFile(join(dir, 'd.yaml'))).toThrow(/d\.yaml: candidates: /);
    writeFileSync(join(dir, 'e.yaml'), 'name: e\ncandidates: pool.csv\n');
    expect(() => loadSpecFile(join(dir, 'e.yaml'))).toThrow(/a CSV pool needs 'variables'/);
  });

  it('notes that a relative replay file is read from the worker\'s working directory, not the spec\'s folder', () => {
    const spec = join(dir, 'r.yaml');
    expect(specFileNotes(spec, { trainer: { type: 'replay', file: 'runs.csv' } })).toEqual([
      expect.stringMatching(new RegExp(`^note: trainer.file 'runs.csv' is read by each worker from its own working directory.*e\\.g\\. ${join(dir, 'runs.csv')}$`)),
    ]);
    expect(specFileNotes(spec, { trainer: { type: 'replay', file: '/data/runs.csv' } })).toEqual([]);
    expect(specFileNotes(spec, { trainer: { type: 'simulate' } })).toEqual([]);
  });

  it('warns of a secret-looking trainer.env key (stored with the sweep, copied into every job), naming it', () => {
    const spec = join(dir, 's.yaml');
    const notes = specFileNotes(spec, { trainer: { type: 'command', command: ['python3', 'train.py'], env: { WANDB_API_KEY: 'abc', OUT: '{runDir}', N: 3 } } });
    expect(notes).toEqual([expect.stringMatching(/^warning: trainer\.env\.WANDB_API_KEY looks like a secret: .*set it in the workers' environment instead/)]);
    expect(specFileNotes(spec, { trainer: { type: 'command', command: ['train'], env: { OUT: '{runDir}' } } })).toEqual([]);
  });
});
