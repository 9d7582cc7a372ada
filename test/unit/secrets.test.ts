import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EngineClient } from '../../src/client/api';

/**
 * Secrets stay secret: `runlight dev` (the built dist/cli.js) on a small throw-away workspace with no
 * RUNLIGHT_SECRET_KEY generates its key into `.runlight/secret-key` with mode 0600; a run that logs and
 * fails, reading a token from the workspace `.env`, leaves neither the key nor the token in the engine's
 * stdout/stderr, nor the key in the run's `$logs` stream or run record. The packaged `.vsix` (if built)
 * carries no secret key and no key file.
 */

const repoRoot = resolve(__dirname, '../..');
const cli = join(repoRoot, 'dist/cli.js');
const ENV_TOKEN = 'sk-very-secret-123';
/** A generated key: `rl_dev_` + 32 random bytes in base64url. */
const KEY_PATTERN = /rl_dev_[A-Za-z0-9_-]{40,}/;

const LEAKY_TASK = `import { logger, task } from "@trigger.dev/sdk";

export const leaky = task({
  id: "leaky",
  retry: { maxAttempts: 1 },
  run: async (payload: { reason?: string }) => {
    const token = process.env.MY_TOKEN ?? "";
    logger.info("token loaded", { tokenLength: token.length, startsWithSk: token.startsWith("sk-") });
    logger.warn("about to fail", { reason: payload?.reason });
    console.log("console output of the task");
    console.error("console error of the task");
    throw new Error("leaky fails on purpose (token length " + token.length + ")");
  },
});
`;

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const k of ['RUNLIGHT_SECRET_KEY', 'TRIGGER_SECRET_KEY', 'RUNLIGHT_API_URL', 'TRIGGER_API_URL', 'MY_TOKEN']) delete env[k];
  return env;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

(existsSync(cli) && existsSync(join(repoRoot, 'dist/worker.js')) ? describe : describe.skip)(
  'secrets: the secret key and .env values stay out of logs and the package',
  function () {
    this.timeout(90_000);
    let dir = '';
    let dev: ChildProcess | undefined;
    let out = '';
    let err = '';
    let url = '';
    let key = '';

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'runlight-secrets-'));
      await mkdir(join(dir, 'trigger'), { recursive: true });
      await writeFile(join(dir, 'trigger', 'leaky.ts'), LEAKY_TASK);
      await writeFile(join(dir, '.env'), `MY_TOKEN=${ENV_TOKEN}\n`);
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'secrets-ws', private: true, version: '0.0.0' }));
      dev = spawn(process.execPath, [cli, 'dev', '--dir', dir, '--port', '0', '--workers', '1'], {
        cwd: dir,
        env: childEnv(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      dev.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
      dev.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
      const exited = new Promise<never>((_, reject) => dev!.once('exit', (code) => reject(new Error(`engine exited (${code})\n${out}\n${err}`))));
      url = await withTimeout(
        Promise.race([
          exited,
          (async () => {
            for (;;) {
              const m = /listening on (http:\/\/\S+)/.exec(out);
              if (m?.[1]) return m[1].replace(/\/$/, '');
              await new Promise((r) => setTimeout(r, 50));
            }
          })(),
        ]),
        30_000,
        'engine start',
      );
      exited.catch(() => undefined);
      key = readFileSync(join(dir, '.runlight', 'secret-key'), 'utf8').trim();
    });

    after(async () => {
      if (dev && dev.exitCode === null) {
        const gone = new Promise((r) => dev!.once('exit', r));
        dev.kill('SIGTERM');
        await withTimeout(gone, 10_000, 'engine stop').catch(() => dev!.kill('SIGKILL'));
      }
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('generates the key into .runlight/secret-key with mode 0600', () => {
      assert.match(key, KEY_PATTERN);
      const mode = statSync(join(dir, '.runlight', 'secret-key')).mode & 0o777;
      assert.equal(mode.toString(8), '600');
    });

    it('a run that logs and fails leaks neither the key nor the .env token', async () => {
      const client = new EngineClient({ baseURL: url, accessToken: key });
      const { id } = await client.trigger('leaky', { reason: 'secrets test' });
      const deadline = Date.now() + 60_000;
      let run = await client.retrieveRun(id);
      while (!['COMPLETED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'CANCELED', 'TIMED_OUT', 'EXPIRED'].includes(run.status) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        run = await client.retrieveRun(id);
      }
      assert.equal(run.status, 'FAILED', `the run failed (status ${run.status})`);

      const logs: string[] = [];
      const ac = new AbortController();
      await withTimeout(
        (async () => {
          for await (const chunk of client.subscribeToStream(id, '$logs', { signal: ac.signal })) logs.push(JSON.stringify(chunk));
        })(),
        15_000,
        'reading $logs',
      ).finally(() => ac.abort());
      const logText = logs.join('\n');
      // The task did read the token from .env (its length is logged), so the checks below mean something.
      assert.match(logText, /token loaded/);
      assert.ok(logText.replace(/\\"/g, '"').includes(`"tokenLength":${ENV_TOKEN.length}`), `the task read MY_TOKEN from .env: ${logText}`);
      assert.match(JSON.stringify(run), /leaky fails on purpose/);
      // Give the engine a moment to flush what it prints about the failure.
      await new Promise((r) => setTimeout(r, 500));

      console.log(`      engine printed ${out.length} B stdout, ${err.length} B stderr; $logs ${logs.length} chunks, ${logText.length} B`);
      for (const [name, text] of [
        ['engine stdout', out],
        ['engine stderr', err],
        ['$logs stream', logText],
        ['run record', JSON.stringify(run)],
      ] as const) {
        assert.ok(!text.includes(key), `${name} contains the secret key`);
        assert.doesNotMatch(text, KEY_PATTERN, `${name} contains something that looks like a secret key`);
      }
      assert.ok(!out.includes(ENV_TOKEN), 'engine stdout contains the .env token');
      assert.ok(!err.includes(ENV_TOKEN), 'engine stderr contains the .env token');
      assert.ok(!logText.includes(ENV_TOKEN), '$logs contains the .env token');
    });

    it('the packaged .vsix carries no secret key', function () {
      const vsix = readdirSync(repoRoot).find((f) => /^runlight-.*\.vsix$/.test(f));
      if (!vsix) {
        console.log('      (skipped: no runlight-*.vsix built; npm run package)');
        this.skip();
      }
      const file = join(repoRoot, vsix);
      const listing = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
      assert.ok(listing.length > 0, 'the .vsix lists its entries');
      const named = listing.filter((e) => /(^|\/)(secret-key|\.env(\..*)?|\.runlight)(\/|$)/.test(e));
      assert.deepEqual(named, [], 'no key file, .env or .runlight folder in the .vsix');
      const unpacked = join(dir, 'vsix');
      execFileSync('unzip', ['-q', '-o', file, '-d', unpacked]);
      let literalPrefixes = 0;
      let files = 0;
      for (const entry of readdirSync(unpacked, { recursive: true, encoding: 'utf8' })) {
        const path = join(unpacked, entry);
        if (!statSync(path).isFile()) continue;
        files++;
        const body = readFileSync(path).toString('latin1');
        assert.doesNotMatch(body, KEY_PATTERN, `${entry} contains something that looks like a secret key`);
        assert.ok(!body.includes(key), `${entry} contains this test's key`);
        literalPrefixes += body.split('rl_dev_').length - 1;
      }
      assert.equal(files, listing.filter((e) => !e.endsWith('/')).length, 'every entry was read');
      // The bare prefix appears in code that generates and recognises keys; a key itself never does.
      console.log(`      ${files} .vsix entries checked; bare "rl_dev_" prefix in code: ${literalPrefixes}×, keys: 0`);
    });
  },
);
