// Writes the declarations of Runlight's SDK to dist/sdk-types/ (sdk/index.d.ts and what it imports), for the
// editor's TypeScript plugin (src/ts-plugin): task files type-check where @trigger.dev/sdk is not installed.
// Skipped when the sources it is emitted from have not changed since the last emit.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

const SOURCE_DIRS = ['src/sdk', 'src/protocol', 'src/shared', 'src/client'];

function hashOf(root) {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else hash.update(p.slice(root.length)).update(readFileSync(p));
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  hash.update(readFileSync(new URL(import.meta.url)));
  return hash.digest('hex');
}

/** Emits the declarations; returns false when they were already up to date. */
export function writeSdkTypes(root) {
  const outDir = join(root, 'dist/sdk-types');
  const stampFile = join(outDir, '.stamp');
  const hash = hashOf(root);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return false;
  rmSync(outDir, { recursive: true, force: true });
  const base = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.node.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const options = {
    ...base.options,
    composite: false,
    incremental: false,
    tsBuildInfoFile: undefined,
    declaration: true,
    emitDeclarationOnly: true,
    declarationMap: false,
    stripInternal: true,
    noUnusedLocals: false,
    rootDir: join(root, 'src'),
    outDir: undefined,
    declarationDir: outDir,
  };
  const program = ts.createProgram({ rootNames: [join(root, 'src/sdk/index.ts')], options });
  const { diagnostics, emitSkipped } = program.emit(undefined, undefined, undefined, true);
  if (emitSkipped || diagnostics.length) {
    const text = ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' });
    throw new Error(`sdk-types: declarations were not emitted\n${text}`);
  }
  writeFileSync(stampFile, hash);
  return true;
}
