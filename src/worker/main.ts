/**
 * The task worker process (dist/worker.js). The engine starts it with `child_process.fork` and
 * talks to it over IPC only: `index` loads a task bundle and lists its tasks, `execute` runs one
 * attempt of a task; SDK calls inside the task become requests the engine acknowledges.
 */
import { AttemptRunner } from './attempt';
import { definedQueues, installSdkGlobal, loadBundle } from './bundle';
import { captureConsole } from './console';
import { toRunError } from './errors';
import { IpcChannel, type Port } from './ipc';

function stderr(line: string): void {
  process.stderr.write(`runlight worker: ${line}\n`);
}

function describeLoadError(err: unknown): string {
  const e = toRunError(err);
  const frames = (e.stackTrace ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .filter((l) => !/node:internal|\/worker\.js:/.test(l))
    .slice(0, 3)
    .map((l) => l.trim());
  return [`${e.name ?? 'Error'}: ${e.message}`, ...frames].join('\n  ');
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
            queue: def.queue.name,
          }));
          channel.send({
            type: 'indexed',
            requestId: msg.requestId,
            tasks,
            queues: definedQueues(bundle),
            ...(bundle.warnings.length ? { error: bundle.warnings.join('; ') } : {}),
          });
        } catch (err) {
          channel.send({ type: 'indexed', requestId: msg.requestId, tasks: [], error: describeLoadError(err) });
        }
        return;
      }
      if (msg.type === 'stop') return runner.current!.stop(msg);
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
}

main();
