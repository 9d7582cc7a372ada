// The arrows of the architecture (README, Layout): which folder of src/ may import which, and which packages.
// Every import of every file under src/ is read with the TypeScript parser; one that is not an arrow fails.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(__dirname, '../../..');
const src = join(root, 'src');

/** A room of src/: a folder, or for the SDK one of its two halves (its entry file is the room `sdk`). */
type Room =
  'shared' | 'protocol' | 'client' | 'tools' | 'engine' | 'worker' | 'sdk' | 'sdk/task' | 'sdk/backend' | 'cli' | 'extension' | 'webview' | 'ts-plugin';

interface Rule {
  /** Rooms this room may import from (its own is always allowed). */
  rooms: Room[];
  /** Files of other rooms allowed beyond `rooms`, with why. */
  files?: Record<string, string>;
  /** Packages it may import (`node:` builtins only when `node` is true). */
  packages: string[];
  node: boolean;
}

export const ARROWS: Readonly<Record<Room, Rule>> = {
  shared: { rooms: [], packages: [], node: false },
  /** superjson: how payloads and outputs that are not plain JSON are encoded on the wire (protocol/values.ts). */
  protocol: { rooms: ['shared'], packages: ['zod', 'superjson'], node: false },
  client: { rooms: ['protocol', 'shared'], packages: ['eventsource-parser', 'zod'], node: true },
  engine: {
    rooms: ['protocol', 'shared'],
    files: { 'client/engine-file.ts': 'the .runlight/ files the engine writes and every client reads' },
    packages: ['zod', 'jose', 'pg', 'node-sqlite3-wasm', 'esbuild-wasm', 'cron-parser', 'cronstrue'],
    node: true,
  },
  worker: { rooms: ['sdk', 'sdk/task', 'protocol', 'shared'], packages: [], node: true },
  sdk: { rooms: ['sdk/task', 'sdk/backend', 'protocol', 'shared'], packages: [], node: true },
  'sdk/task': { rooms: ['sdk/backend', 'protocol', 'shared'], packages: ['zod'], node: true },
  'sdk/backend': { rooms: ['client', 'protocol', 'shared'], packages: ['zod', 'jose'], node: true },
  /** The assistant tools (engine operations for models), shared by `runlight mcp` and the extension's language-model tools. */
  tools: { rooms: ['client', 'protocol', 'shared'], packages: ['zod'], node: false },
  cli: { rooms: ['client', 'tools', 'engine', 'sdk/backend', 'protocol', 'shared'], packages: ['@modelcontextprotocol/sdk'], node: true },
  extension: { rooms: ['client', 'tools', 'protocol', 'shared'], packages: ['vscode', 'zod'], node: true },
  webview: { rooms: ['protocol', 'shared'], packages: ['marked', 'vscode-webview'], node: false },
  /** The TypeScript server plugin (runs inside VS Code's tsserver, which hands it `typescript`). */
  'ts-plugin': { rooms: ['shared'], packages: ['typescript'], node: true },
};

export function roomOf(file: string): Room | undefined {
  const [top, sub, ...rest] = relative(src, file).split(/[\\/]/);
  if (top === undefined || sub === undefined) return undefined;
  const room = top === 'sdk' && rest.length > 0 ? `sdk/${sub}` : top;
  return Object.hasOwn(ARROWS, room) ? (room as Room) : undefined;
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

const builtins = new Set(builtinModules);

/** Why `spec`, imported by `file`, breaks the arrows; undefined when it is allowed. */
export function violation(file: string, spec: string): string | undefined {
  const from = roomOf(file);
  if (!from) return `${relative(root, file)} is in no room of the architecture`;
  const rule = ARROWS[from];
  if (spec.startsWith('.')) {
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src + '/'))
      return `${from} may not import ${relative(root, target)} from outside src/ (only package.json metadata is read at build time)`;
    const isDir = existsSync(target) && statSync(target).isDirectory();
    const to = roomOf(isDir ? join(target, 'index.ts') : target.endsWith('.ts') ? target : `${target}.ts`);
    if (to === from) return undefined;
    if (to && rule.rooms.includes(to)) return undefined;
    const rel = relative(src, target).replace(/\.ts$/, '') + '.ts';
    if (rule.files && rel in rule.files) return undefined;
    return `${from} may not import ${to ?? relative(src, target)} (${spec})`;
  }
  if (spec.startsWith('node:') || builtins.has(spec)) return rule.node ? undefined : `${from} runs where Node is absent: it may not import ${spec}`;
  const pkg = packageOf(spec);
  return rule.packages.includes(pkg) ? undefined : `${from} may not import the package ${pkg}`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

describe('architecture: the import arrows', () => {
  it('every import under src/ is an arrow of the architecture', () => {
    const files = sourceFiles(src);
    assert.ok(files.length > 100, `found only ${files.length} source files`);
    const broken: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(file)) {
        if (spec.endsWith('/package.json')) continue; // the CLI's version, bundled as data
        const why = violation(file, spec);
        if (why) broken.push(`${relative(root, file)}: ${why}`);
      }
    }
    assert.deepEqual(broken, [], `wrong-way imports:\n${broken.join('\n')}`);
  });

  it('refuses the wrong-way imports it exists to catch', () => {
    const at = (p: string) => join(src, p);
    assert.match(violation(at('webview/main.ts'), '../extension/tree/status') ?? '', /webview may not import extension/);
    assert.match(violation(at('webview/main.ts'), 'node:fs') ?? '', /Node is absent/);
    assert.match(violation(at('shared/format.ts'), '../protocol/run') ?? '', /shared may not import protocol/);
    assert.match(violation(at('shared/format.ts'), 'zod/mini') ?? '', /shared may not import the package zod/);
    assert.match(violation(at('engine/engine.ts'), 'vscode') ?? '', /engine may not import the package vscode/);
    assert.match(violation(at('engine/engine.ts'), '../extension/extension') ?? '', /engine may not import extension/);
    assert.match(violation(at('engine/engine.ts'), '../client/api') ?? '', /engine may not import client/);
    assert.match(violation(at('protocol/run.ts'), '../client/api') ?? '', /protocol may not import client/);
    assert.match(violation(at('extension/extension.ts'), '../engine/engine') ?? '', /extension may not import engine/);
    assert.equal(violation(at('engine/engine.ts'), '../client/engine-file'), undefined);
    assert.equal(violation(at('webview/main.ts'), '../shared/status'), undefined);
    assert.equal(violation(at('extension/extension.ts'), 'vscode'), undefined);
  });
});
