import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { makeWorkspace, repoRoot } from '../../support/engine';

/**
 * `runlight mcp` (the built dist/cli.js) driven by the official MCP client over stdio, against a real engine on a
 * temp copy of examples/demo with the local OpenAI-compatible model server: the first server starts the engine in
 * its own process, a second (read-only) one attaches to it.
 */

const CLI = join(repoRoot, 'dist/cli.js');
const missing = [
  existsSync(CLI) ? undefined : 'dist/cli.js is not built (node esbuild.mjs)',
  existsSync(join(repoRoot, 'examples/demo/node_modules/openai')) ? undefined : 'examples/demo has no node_modules',
].filter((m): m is string => m !== undefined);

interface LocalLlm {
  url: string;
  close(): Promise<void>;
}

const EXTRA_TASKS: Record<string, string> = {
  'trigger/noop.ts': `import { task } from '@trigger.dev/sdk';\nexport const noop = task({ id: 'noop', run: async () => ({ ok: true }) });\n`,
  'trigger/until-cancelled.ts': `import { logger, task } from '@trigger.dev/sdk';
export const untilCancelled = task({
  id: 'until-cancelled',
  run: async (_payload: unknown, { signal }) => {
    logger.info('started, waiting to be cancelled');
    while (!signal.aborted) await new Promise((r) => setTimeout(r, 50));
    return { stopped: true };
  },
});
`,
  'trigger/greet.ts': `import { task } from '@trigger.dev/sdk';
export const greet = task({
  id: 'greet',
  jsonSchema: { type: 'object', properties: { name: { type: 'string', minLength: 1 }, times: { type: 'integer', minimum: 1 } }, required: ['name'], additionalProperties: false },
  run: async (payload: { name: string }) => ({ greeting: 'Hello ' + payload.name }),
});
`,
};

type CallResult = { text: string; isError: boolean };

async function call(client: Client, name: string, args: Record<string, unknown> = {}, options: Parameters<Client['callTool']>[2] = {}): Promise<CallResult> {
  const res = await client.callTool({ name, arguments: args }, undefined, options);
  const content = res.content as Array<{ type: string; text?: string }>;
  const out = { text: content.map((c) => c.text ?? '').join('\n'), isError: res.isError === true };
  if (process.env.RUNLIGHT_MCP_DEBUG) console.log(`--- ${name} ${JSON.stringify(args)}${out.isError ? ' (error)' : ''}\n${out.text}`);
  return out;
}

function runIdOf(text: string): string {
  const m = /run (run_\w+)/.exec(text);
  assert.ok(m, `no run id in: ${text}`);
  return m[1]!;
}

function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(RUNLIGHT_|TRIGGER_)/.test(k)) env[k] = v;
  return env;
}

(missing.length > 0 ? describe.skip : describe)('runlight mcp over stdio (MCP SDK client, real engine)', function () {
  this.timeout(120_000);
  let dir = '';
  let llm: LocalLlm | undefined;
  let answerFor: (prompt: string) => string = () => '';
  let client: Client;
  let transport: StdioClientTransport;
  let stderr: () => string = () => '';
  let chatRunId = '';

  async function connect(
    readOnly: boolean,
    env: Record<string, string> = {},
  ): Promise<{ client: Client; transport: StdioClientTransport; stderr: () => string }> {
    let err = '';
    const t = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'mcp', '--dir', dir, ...(readOnly ? ['--read-only'] : [])],
      env: { ...childEnv(), ...env },
      stderr: 'pipe',
    });
    t.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const c = new Client({ name: 'runlight-test', version: '1.0.0' });
    await c.connect(t);
    return { client: c, transport: t, stderr: () => err };
  }

  before(async () => {
    const mod = (await import(pathToFileURL(join(repoRoot, 'examples/demo/scripts/local-llm.mjs')).href)) as {
      startLocalLlm: (o: { port: number; tokenMs: number }) => Promise<LocalLlm>;
      answerFor: (prompt: string) => string;
    };
    answerFor = mod.answerFor;
    llm = await mod.startLocalLlm({ port: 0, tokenMs: 10 });
    dir = await makeWorkspace(EXTRA_TASKS, join(repoRoot, 'examples/demo'));
    await mkdir(join(dir, '.runlight'), { recursive: true });
    await writeFile(join(dir, '.env'), `OPENAI_BASE_URL=${llm.url}\nOPENAI_API_KEY=sk-local-test\n`);
    const c = await connect(false);
    client = c.client;
    transport = c.transport;
    stderr = c.stderr;
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await llm?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('lists every tool with an input schema; list_tasks shows the tasks and a declared payload schema', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name),
      [
        'list_tasks',
        'trigger_task',
        'get_run',
        'list_runs',
        'wait_for_run',
        'get_run_logs',
        'get_run_stream',
        'cancel_run',
        'replay_run',
        'list_wait_tokens',
        'complete_wait_token',
      ],
    );
    const trigger = tools.find((t) => t.name === 'trigger_task')!;
    assert.equal(trigger.inputSchema.type, 'object');
    assert.deepEqual(trigger.inputSchema.required, ['taskId']);
    assert.equal(trigger.annotations?.readOnlyHint, false);
    assert.equal(tools.find((t) => t.name === 'get_run')!.annotations?.readOnlyHint, true);

    const r = await call(client, 'list_tasks');
    assert.equal(r.isError, false, r.text);
    for (const id of ['chat', 'noop', 'until-cancelled', 'greet']) assert.match(r.text, new RegExp(`^- ${id} \\(trigger/`, 'm'));
    assert.match(r.text, /^- greet \(trigger\/greet\.ts:3\)\n {2}payload schema: \{"type":"object",.*"required":\["name"\],"additionalProperties":false\}$/m);
    assert.match(r.text, /^- chat \(trigger\/chat\.ts:\d+\)\n- /m);
  });

  it('trigger chat → wait_for_run (with progress) → get_run_stream gives the text the model streamed', async () => {
    const triggered = await call(client, 'trigger_task', { taskId: 'chat', payload: { prompt: 'Hello MCP' }, tags: ['mcp-test'] });
    assert.equal(triggered.isError, false, triggered.text);
    const runId = runIdOf(triggered.text);
    chatRunId = runId;
    assert.match(triggered.text, /wait_for_run/);
    assert.match(triggered.text, new RegExp(`runlight watch ${runId} --dir `));

    const progress: Array<{ progress: number; message?: string }> = [];
    const waited = await call(client, 'wait_for_run', { runId, timeoutSeconds: 60 }, { onprogress: (p) => void progress.push(p), timeout: 90_000 });
    assert.equal(waited.isError, false, waited.text);
    assert.match(waited.text, new RegExp(`^Run ${runId} finished: COMPLETED\\.\\n${runId} · chat · COMPLETED in `));
    assert.match(waited.text, /output: \{"ok":true\}/);
    assert.match(waited.text, /streams: answer/);
    assert.ok(progress.length >= 1, 'at least one progress notification (QUEUED or EXECUTING)');
    assert.ok(
      progress.every((p, i) => i === 0 || p.progress > progress[i - 1]!.progress),
      'progress increases',
    );

    const stream = await call(client, 'get_run_stream', { runId });
    assert.equal(stream.isError, false, stream.text);
    const answer = answerFor('Hello MCP');
    assert.ok(stream.text.endsWith(`\n${answer}`), stream.text);
    assert.match(stream.text, /stream "answer": \d+ chunk\(s\) read, text of \d+ LLM chunk\(s\)/);

    const raw = await call(client, 'get_run_stream', { runId, key: 'answer', raw: true, maxChars: 500 });
    assert.match(raw.text, /"object":"chat\.completion\.chunk"/);
    assert.match(raw.text, /… \[cut at 500 characters, after chunk \d+; the stream has more/);

    const run = await call(client, 'get_run', { runId });
    assert.match(run.text, new RegExp(`^${runId} · chat · COMPLETED in .* · tags mcp-test`));
    assert.match(run.text, /payload: \{"prompt":"Hello MCP"\}/);

    const listed = await call(client, 'list_runs', { taskId: 'chat', status: ['COMPLETED'], tags: ['mcp-test'], createdWithin: '1h' });
    assert.match(listed.text, new RegExp(`^1 run:\\n- ${runId} · chat · COMPLETED`));
  });

  it('get_run lists the runs a run triggered; list_runs finds them by parent', async () => {
    const runId = runIdOf((await call(client, 'trigger_task', { taskId: 'nested-demo', payload: { total: 1, stepMs: 1 } })).text);
    assert.match((await call(client, 'wait_for_run', { runId, timeoutSeconds: 60 })).text, /COMPLETED/);
    const run = await call(client, 'get_run', { runId });
    const child = new RegExp(`children \\(1, newest first\\):\\n  (run_\\w+) · progress-task · COMPLETED`).exec(run.text);
    assert.ok(child, run.text);
    assert.match((await call(client, 'get_run', { runId: child[1]! })).text, new RegExp(`\\nparent: ${runId}`));
    assert.match((await call(client, 'list_runs', { parentRunId: runId })).text, new RegExp(`^1 run:\\n- ${child[1]} · progress-task`));
  });

  it('cancel_run stops a slow run: CANCELED, its logs readable', async () => {
    const runId = runIdOf((await call(client, 'trigger_task', { taskId: 'until-cancelled' })).text);
    const early = await call(client, 'wait_for_run', { runId, timeoutSeconds: 1 });
    assert.match(early.text, new RegExp(`^Run ${runId} is still (QUEUED|DEQUEUED|EXECUTING) after`));
    // wait until it executes, then cancel
    for (let i = 0; i < 100 && !/EXECUTING/.test((await call(client, 'get_run', { runId })).text); i++) await new Promise((r) => setTimeout(r, 100));
    const logs = await call(client, 'get_run_logs', { runId });
    assert.match(logs.text, /INFO started, waiting to be cancelled/);
    assert.match(logs.text, /still going/);
    const cancelled = await call(client, 'cancel_run', { runId });
    assert.equal(cancelled.isError, false, cancelled.text);
    assert.match(cancelled.text, new RegExp(`^Cancelled run ${runId}: it is now CANCELED\\.`));
    const again = await call(client, 'cancel_run', { runId });
    assert.equal(again.isError, true);
    assert.match(again.text, /^runId: run run_\w+ already finished \(CANCELED\)/);
  });

  it('bad arguments are tool errors naming the field', async () => {
    const noTask = await call(client, 'trigger_task', {});
    assert.equal(noTask.isError, true);
    assert.match(noTask.text, /taskId/);
    const wrongType = await call(client, 'wait_for_run', { runId: 'run_x', timeoutSeconds: 'soon' });
    assert.equal(wrongType.isError, true);
    assert.match(wrongType.text, /timeoutSeconds/);
    const extra = await call(client, 'get_run', { runId: 'run_x', verbose: true });
    assert.equal(extra.isError, true);
    assert.match(extra.text, /verbose/);
    const unknownTask = await call(client, 'trigger_task', { taskId: 'nope' });
    assert.equal(unknownTask.isError, true);
    assert.match(unknownTask.text, /^taskId: no task "nope" in this workspace; the tasks are: .*chat/);
    const badPayload = await call(client, 'trigger_task', { taskId: 'greet', payload: { name: '', shout: true } });
    assert.equal(badPayload.isError, true);
    assert.match(badPayload.text, /payload\.name: must have at least 1 characters/);
    assert.match(badPayload.text, /payload\.shout: not allowed/);
    const noRun = await call(client, 'get_run', { runId: 'run_doesnotexist' });
    assert.equal(noRun.isError, true);
    assert.match(noRun.text, /HTTP 404/);
    const noStream = await call(client, 'get_run_stream', { runId: chatRunId, key: 'nope' });
    assert.equal(noStream.isError, true);
    assert.match(noStream.text, /^key: run run_\w+ has no stream "nope"; its streams are: answer/);
  });

  it('a no-op task: trigger_task → wait_for_run answer, timed', async () => {
    // 20 rounds, the first uncounted (a warm-up): each is trigger_task, then wait_for_run until COMPLETED.
    const times: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      const runId = runIdOf((await call(client, 'trigger_task', { taskId: 'noop' })).text);
      const waited = await call(client, 'wait_for_run', { runId });
      if (i > 0) times.push(performance.now() - t0);
      assert.match(waited.text, /finished: COMPLETED/);
    }
    const sorted = times.sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    if (process.env.RUNLIGHT_MCP_TIMING) {
      console.log(
        `      trigger_task → wait_for_run answer, no-op task, 19 rounds: min ${at(0).toFixed(1)} · p50 ${at(0.5).toFixed(1)} · p90 ${at(0.9).toFixed(1)} ms`,
      );
    }
    assert.ok(at(0.5) < 2000, `p50 ${at(0.5)} ms`);
  });

  it('--read-only: a second server attaches to the same engine and offers only the reading tools', async () => {
    const ro = await connect(true);
    try {
      const { tools } = await ro.client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        ['list_tasks', 'get_run', 'list_runs', 'wait_for_run', 'get_run_logs', 'get_run_stream', 'list_wait_tokens'],
      );
      const r = await call(ro.client, 'list_runs', { taskId: 'noop', limit: 2 });
      assert.match(r.text, /^2 runs \(more match/);
      const refused = await call(ro.client, 'trigger_task', { taskId: 'noop' });
      assert.equal(refused.isError, true);
      assert.match(refused.text, /trigger_task not found/);
      assert.match(ro.stderr(), /attached to the engine at http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      await ro.client.close();
    }
  });

  it('an engine that refuses the key: every tool says so and how to fix it', async () => {
    const other = await connect(true, { RUNLIGHT_SECRET_KEY: 'rl_dev_not_the_key' });
    try {
      const r = await call(other.client, 'list_runs');
      assert.equal(r.isError, true);
      assert.match(r.text, /^the engine at http:\/\/127\.0\.0\.1:\d+ \(pid \d+\) refuses the key from RUNLIGHT_SECRET_KEY: it was started with another key/);
    } finally {
      await other.client.close();
    }
  });

  it('wait tokens: list_wait_tokens shows a WAITING token, complete_wait_token resumes the run', async () => {
    await writeFile(
      join(dir, 'trigger/approval.ts'),
      `import { task, wait } from '@trigger.dev/sdk';
export const approval = task({
  id: 'approval',
  run: async () => {
    const token = await wait.createToken({ tags: ['approval'], timeout: '10m' });
    const result = await wait.forToken<{ approved: boolean }>(token.id);
    return result.ok ? result.output : { timedOut: true };
  },
});
`,
    );
    // the engine rebuilds on file changes: wait until it lists the new task
    for (let i = 0; i < 100 && !/- approval /.test((await call(client, 'list_tasks')).text); i++) await new Promise((r) => setTimeout(r, 100));
    const runId = runIdOf((await call(client, 'trigger_task', { taskId: 'approval' })).text);
    let tokens = '';
    for (let i = 0; i < 100 && !/WAITING/.test(tokens); i++) {
      tokens = (await call(client, 'list_wait_tokens', { status: ['WAITING'], tags: ['approval'] })).text;
      if (!/WAITING/.test(tokens)) await new Promise((r) => setTimeout(r, 100));
    }
    const tokenId = /- (waitpoint_\w+) · WAITING/.exec(tokens)?.[1];
    assert.ok(tokenId, tokens);
    const done = await call(client, 'complete_wait_token', { tokenId, data: { approved: true } });
    assert.equal(done.isError, false, done.text);
    const waited = await call(client, 'wait_for_run', { runId, timeoutSeconds: 30 });
    assert.match(waited.text, /finished: COMPLETED/);
    assert.match(waited.text, /output: \{"approved":true\}/);
  });

  it('closing stdin stops the server and the engine it started', async () => {
    const pid = transport.pid;
    assert.ok(pid);
    await client.close();
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.throws(() => process.kill(pid, 0), 'the server process exited');
    assert.match(stderr(), /no engine runs for .*; starting one in this process/);
    assert.match(stderr(), /stopping \(the client closed stdin\)/);
    assert.equal(existsSync(join(dir, '.runlight/engine.json')), false, 'the engine it started removed its engine.json');
  });
});
