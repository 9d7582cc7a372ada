/**
 * The task worker process (dist/worker.js). The engine starts it with `child_process.fork` and
 * talks to it over IPC only: `index` loads a task bundle and lists its tasks, `execute` runs one
 * attempt of a task; SDK calls inside the task become requests the engine acknowledges.
 */
import * as nodeModule from 'node:module';
import * as inspector from 'node:inspector';
import { join, resolve, sep } from 'node:path';
import { AttemptRunner } from './attempt';
import { definedQueues, installSdkGlobal, loadBundle } from './bundle';
import { loadConfig } from './config';
import { captureConsole } from './console';
import { toRunError } from './errors';
import { IpcChannel, type Port } from './ipc';
import type { TaskDefinition } from '../sdk/task/registry';
import { isJsonObject, type JsonObject } from '../shared/json';

function stderr(line: string): void {
  process.stderr.write(`runlight worker: ${line}\n`);
}

/** Where this worker's own sources are (its source map points there): their frames say nothing about the user's file. */
const OWN_SOURCES = join(resolve(__dirname, '..'), 'src', sep);
/** `{ payloadSchema }` when the task has a JSON Schema object for its payload (a JSON copy), else `{}`. */
function payloadSchemaOf(def: TaskDefinition): { payloadSchema?: JsonObject } {
  try {
    const schema: unknown = JSON.parse(JSON.stringify(def.payloadSchema?.() ?? null));
    return isJsonObject(schema) && !Object.hasOwn(schema, '__proto__') ? { payloadSchema: schema } : {};
  } catch {
    return {};
  }
}

function describeLoadError(err: unknown): string {
  const e = toRunError(err);
  const frames = (e.stackTrace ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => !/node:internal|\/worker\.js:/.test(l) && !l.includes(OWN_SOURCES))
    .slice(0, 3)
    .map((l) => l.trim());
  return [`${e.name ?? 'Error'}: ${e.message}`, ...frames].join('\n  ');
}

/**
 * A debug run's worker: opens the inspector on `host` (a free port), says where, then blocks until a debugger has
 * attached and let it go on (`Runtime.runIfWaitingForDebugger`), and says so. The engine sends the attempt only
 * after that, so the task's bundle is loaded with the debugger's breakpoints already set.
 */
function inspect(channel: IpcChannel, host: string): void {
  try {
    inspector.open(0, host, false);
  } catch (err) {
    stderr(`could not open the inspector: ${String(err)}`);
    process.exit(3);
  }
  const url = inspector.url();
  if (!url) {
    stderr('the inspector did not open');
    process.exit(3);
  }
  channel.send({ type: 'inspecting', url }, () => {
    inspector.waitForDebugger();
    channel.send({ type: 'debuggerAttached' });
  });
}

function main(): void {
  if (typeof process.send !== 'function') {
    stderr('this script is started by the Runlight engine (child_process.fork); it needs an IPC channel');
    process.exit(2);
  }
  process.setSourceMapsEnabled(true);
  captureConsole();
  installSdkGlobal();

  const port: Port = {
    send: (message, callback) => process.send!(message, undefined, undefined, callback),
    on: (event, listener) => process.on(event, listener),
  };
  const runner: { current?: AttemptRunner } = {};
  const channel = new IpcChannel(
    port,
    (msg) => {
      if (msg.type === 'index') {
        try {
          const bundle = loadBundle(msg.bundlePath, true);
          const tasks = [...bundle.tasks.values()].map(({ def, exportName }) => ({
            id: def.id,
            ...(exportName !== undefined ? { exportName } : {}),
            ...(def.maxDuration !== undefined ? { maxDuration: def.maxDuration } : {}),
            ...(def.retry?.maxAttempts !== undefined && def.retry.maxAttempts >= 1 ? { maxAttempts: Math.floor(def.retry.maxAttempts) } : {}),
            ...(def.retry !== undefined ? { hasRetry: true } : {}),
            ...payloadSchemaOf(def),
            ...(def.triggerSource ? { triggerSource: def.triggerSource } : {}),
            ...(def.schedule ? { schedule: def.schedule } : {}),
            queue: def.queue.name,
          }));
          const warnings = [...bundle.warnings, ...[...bundle.tasks.values()].flatMap(({ def }) => def.warnings ?? [])];
          channel.send({
            type: 'indexed',
            requestId: msg.requestId,
            tasks,
            queues: definedQueues(bundle),
            ...(warnings.length ? { error: warnings.join('; ') } : {}),
          });
        } catch (err) {
          channel.send({ type: 'indexed', requestId: msg.requestId, tasks: [], error: describeLoadError(err) });
        }
        return;
      }
      if (msg.type === 'loadConfig') {
        try {
          const { config, hookKinds, problems } = loadConfig(msg.bundlePath, true);
          channel.send({ type: 'configLoaded', requestId: msg.requestId, config, hooks: hookKinds, problems });
        } catch (err) {
          channel.send({ type: 'configLoaded', requestId: msg.requestId, config: {}, hooks: [], problems: [], error: describeLoadError(err) });
        }
        return;
      }
      if (msg.type === 'stop') return runner.current!.stop(msg);
      if (msg.type === 'inspect') return inspect(channel, msg.host);
      void runner.current!.execute(msg).catch((err: unknown) => stderr(`attempt ${msg.attemptId} could not be reported: ${String(err)}`));
    },
    (problem) => stderr(`ignored an invalid message from the engine: ${problem}`),
  );
  runner.current = new AttemptRunner(channel, {
    streamWaitMs: Number(process.env.RUNLIGHT_STREAM_WAIT_MS ?? 60_000),
    metadataFlushMs: Number(process.env.RUNLIGHT_METADATA_FLUSH_MS ?? 100),
  });

  process.on('uncaughtException', (err) => {
    if (!runner.current?.crash(err)) stderr(`uncaught exception outside a task: ${toRunError(err).stackTrace ?? String(err)}`);
  });
  process.on('unhandledRejection', (reason) => {
    if (!runner.current?.crash(reason)) stderr(`unhandled rejection outside a task: ${toRunError(reason).stackTrace ?? toRunError(reason).message}`);
  });
  // The engine went away: nothing left to report to.
  process.on('disconnect', () => process.exit(0));

  channel.send({ type: 'ready' });
  // With NODE_COMPILE_CACHE set (Node 22.10 and later), the code compiled to start is kept for the next worker: Node
  // writes its cache at a normal exit, and the engine stops idle workers with SIGKILL.
  setImmediate(() => (nodeModule as { flushCompileCache?: () => void }).flushCompileCache?.());
}

main();
