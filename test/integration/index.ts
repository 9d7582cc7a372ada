// Entry the extension host loads (extensionTestsPath): runs the compiled suites with mocha and
// settles in every case (resolves when all pass, rejects otherwise), so the runner never hangs.
// The spec report goes to the file named by RUNLIGHT_TEST_OUTPUT (the runner prints it) and to
// the console (forwarded to the workbench).
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';

type MochaModule = typeof import('mocha');

function writer(): (line: string) => void {
  const file = process.env.RUNLIGHT_TEST_OUTPUT;
  return (line) => {
    if (file) appendFileSync(file, `${line}\n`);
    console.log(line);
  };
}

export async function run(): Promise<void> {
  const write = writer();
  try {
    const mod = (await import('mocha')) as MochaModule & { default?: MochaModule };
    const Mocha = (mod.default ?? mod) as unknown as typeof import('mocha');
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => write(format(...args));
    const mocha = new Mocha({
      ui: 'bdd',
      reporter: 'spec',
      color: false,
      timeout: Number(process.env.RUNLIGHT_TEST_TIMEOUT_MS ?? 60_000),
      slow: 5_000,
    });
    const grep = process.env.RUNLIGHT_TEST_GREP;
    if (grep) mocha.grep(grep);
    const dir = join(__dirname, 'suite');
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.js')) mocha.addFile(join(dir, f));
    await mocha.loadFilesAsync();
    const failures = await new Promise<number>((resolve) => mocha.run(resolve));
    if (failures > 0) throw new Error(`${failures} failing`);
  } catch (err) {
    write(`integration suite error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    throw err;
  }
}
