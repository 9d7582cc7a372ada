// Task files type-check in the editor whether or not @trigger.dev/sdk is installed: against the official package's
// types, and against the declarations of Runlight's SDK (dist/sdk-types, what the editor's TypeScript plugin serves
// where the package is missing). The demo's task files and the example task are checked against both.
import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { exampleTaskSource } from '../../../src/extension/firstRun/exampleTask';
import { repoRoot } from '../../support/engine';
// @ts-expect-error -- a build script in plain JavaScript
import { writeSdkTypes } from '../../../scripts/sdk-types.mjs';

const OFFICIAL = join(repoRoot, 'node_modules/@trigger.dev/sdk');
const RUNLIGHT = join(repoRoot, 'dist/sdk-types/sdk/index.d.ts');

function typeErrors(files: string[], sdk: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    typeRoots: [join(repoRoot, 'node_modules/@types')],
    types: ['node'],
    paths: { '@trigger.dev/sdk': [sdk], '@trigger.dev/sdk/v3': [sdk] },
  };
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('task files type-check against the official SDK and against Runlight’s declarations', function () {
  this.timeout(120_000);
  let dir: string;
  let files: string[];

  before(async () => {
    writeSdkTypes(repoRoot);
    dir = await mkdtemp(join(tmpdir(), 'runlight-types-'));
    await writeFile(join(dir, 'example.ts'), exampleTaskSource('hello-world'));
    const demo = join(repoRoot, 'examples/demo/trigger');
    files = [...(await readdir(demo)).map((f) => join(demo, f)), join(dir, 'example.ts')];
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('the official @trigger.dev/sdk types: no errors', () => {
    assert.deepEqual(typeErrors(files, OFFICIAL), []);
  });

  it('Runlight’s declarations: no errors', () => {
    assert.deepEqual(typeErrors(files, RUNLIGHT), []);
  });

  it('Runlight’s declarations are real types: a wrong task id type and a wrong payload are errors', async () => {
    const bad = join(dir, 'bad.ts');
    await writeFile(
      bad,
      `import { task } from '@trigger.dev/sdk';\n` +
        `export const t = task({ id: 42, run: async (p: { n: number }) => p.n });\n` +
        `export const u = task({ id: 'u', run: async (p: { n: number }) => p.n });\n` +
        `void u.trigger({ n: 'one' });\n`,
    );
    const errors = typeErrors([bad], RUNLIGHT);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /'number' is not assignable to type 'string'/);
    assert.match(errors[1]!, /'string' is not assignable to type 'number'/);
  });
});
