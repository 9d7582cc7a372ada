// Entry the extension host loads (extensionTestsPath): runs the compiled suites with mocha and
// settles in every case (resolves when all pass, rejects otherwise), so the runner never hangs.
// The spec report goes to the file named by RUNLIGHT_TEST_OUTPUT (the runner prints it) and to
// the console (forwarded to the workbench).
//
// Window reloads: a test may call `reloadWindow(data)` from ./suite/helpers. That records the
// results so far and `data` in RUNLIGHT_TEST_STATE, and reloads the window; the workbench comes
// back with the same payload URL and loads this index again in a new extension host, which then
// runs only the tests titled `@after-reload` (they read `data`) and reports the totals of both
// phases. Before a reload those tests are left out.
import { appendFileSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import * as vscode from 'vscode';
import { BRIDGE_KEY, type Bridge } from './suite/bridge';

type MochaCtor = typeof import('mocha');

interface Carried {
  passes: number;
  pending: number;
  failures: { title: string; message: string }[];
  durationMs: number;
}

interface State {
  phase: 'reloading';
  carried: Carried;
  data: unknown;
}

function writer(): (line: string) => void {
  const file = process.env.RUNLIGHT_TEST_OUTPUT;
  return (line) => {
    if (file) appendFileSync(file, `${line}\n`);
    console.log(line);
  };
}

function readState(file: string | undefined): State | undefined {
  if (!file || !existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as State;
    renameSync(file, `${file}.consumed`); // one reload is consumed once, never looped
    return s.phase === 'reloading' ? s : undefined;
  } catch {
    return undefined;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function run(): Promise<void> {
  const write = writer();
  const stateFile = process.env.RUNLIGHT_TEST_STATE;
  const previous = readState(stateFile);
  /** Results from before a window reload, and of this extension host's run. */
  const before: Carried = previous?.carried ?? { passes: 0, pending: 0, failures: [], durationMs: 0 };
  const live: Carried = { passes: 0, pending: 0, failures: [], durationMs: 0 };
  const started = Date.now();
  try {
    const mod = (await import('mocha')) as MochaCtor & { default?: MochaCtor };
    const Mocha = mod.default ?? mod;
    const { Base, Spec } = Mocha.reporters;
    Base.consoleLog = (...args: unknown[]) => write(format(...args));

    /** Mocha's spec reporter, with a summary that adds the results from before a reload. */
    class Reporter extends Spec {
      override epilogue(): void {
        const stats = this.stats;
        const passes = before.passes + stats.passes;
        const pending = before.pending + stats.pending;
        const failing = before.failures.length + stats.failures;
        const ms = before.durationMs + (stats.duration ?? 0);
        Base.consoleLog();
        Base.consoleLog('  %d passing (%dms)', passes, ms);
        if (pending) Base.consoleLog('  %d pending', pending);
        if (failing) {
          Base.consoleLog('  %d failing', failing);
          Base.consoleLog();
          for (const f of before.failures) Base.consoleLog('  (before the window reload) %s:\n      %s\n', f.title, f.message);
          Base.list(this.failures);
        }
        Base.consoleLog();
      }
    }

    const mocha = new Mocha({
      ui: 'bdd',
      reporter: Reporter,
      color: false,
      timeout: Number(process.env.RUNLIGHT_TEST_TIMEOUT_MS ?? 60_000),
      slow: 5_000,
    });
    const user = process.env.RUNLIGHT_TEST_GREP ? `(?=.*${escapeRegExp(process.env.RUNLIGHT_TEST_GREP)})` : '';
    mocha.grep(previous ? new RegExp(`^(?=.*@after-reload)${user}`) : new RegExp(`^(?!.*@after-reload)${user}`));
    if (previous) write(`\n  (window reloaded: running the @after-reload tests)`);

    let runner: ReturnType<typeof mocha.run> | undefined;
    const bridge: Bridge = {
      phase: previous ? 2 : 1,
      data: previous?.data,
      async reloadWindow(data: unknown): Promise<never> {
        if (!stateFile) throw new Error('RUNLIGHT_TEST_STATE is not set: the runner does not support reloads');
        const carried: Carried = {
          passes: before.passes + live.passes,
          pending: before.pending + live.pending,
          failures: [...before.failures, ...live.failures],
          durationMs: before.durationMs + Date.now() - started,
        };
        const state: State = { phase: 'reloading', carried, data };
        writeFileSync(stateFile, JSON.stringify(state));
        // Whatever this host reports while it goes down (e.g. the test in flight) is not a result.
        runner?.removeAllListeners();
        // Ask the runner to have the workbench save its state (editors, webview state) first.
        writeFileSync(`${stateFile}.flush-request`, '');
        for (let i = 0; i < 100 && !existsSync(`${stateFile}.flush-done`); i++) await new Promise((r) => setTimeout(r, 100));
        rmSync(`${stateFile}.flush-done`, { force: true });
        // The command may settle with a cancellation as the host goes down: either way, wait for the end.
        await Promise.resolve(vscode.commands.executeCommand('workbench.action.reloadWindow')).catch(() => undefined);
        return new Promise<never>(() => undefined); // this extension host is about to end
      },
    };
    (globalThis as Record<string, unknown>)[BRIDGE_KEY] = bridge;

    const dir = join(__dirname, 'suite');
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.js')) mocha.addFile(join(dir, f));
    await mocha.loadFilesAsync();
    const failures = await new Promise<number>((resolve) => {
      runner = mocha.run(resolve);
      runner.on('pass', () => live.passes++);
      runner.on('pending', () => live.pending++);
      runner.on('fail', (test, err: unknown) => {
        live.failures.push({ title: test.fullTitle(), message: err instanceof Error ? err.message : String(err) });
      });
    });
    const total = failures + before.failures.length;
    if (total > 0) throw new Error(`${total} failing`);
  } catch (err) {
    write(`integration suite error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw err;
  }
}
