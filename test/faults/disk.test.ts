import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, statfs, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamChunk } from '../../src/client';
import { ErrorBody } from '../../src/protocol';
import { followRun, makeWorkspace } from '../support/engine';
import { FAULT_TASKS, SECRET, sleep, spawnEngine, waitForTask, type ChildEngine } from './support';

/**
 * Fault 5: the disk holding the store fills up. The workspace's `.runlight` (SQLite store, build output,
 * engine.json) is an 8 MiB tmpfs; a filler file takes all but a little of it. API writes then fail with
 * 503 `storage_unavailable`, a task's writes fail its run readably (FAILED once the run can be written),
 * the engine stays up, everything acknowledged before stays readable, and after the filler is deleted the
 * engine accepts writes again without a restart.
 */
describe('faults: disk full or read-only under the store', function () {
  this.timeout(120_000);
  let dir: string;
  let mnt: string;
  let mounted = false;
  let engine: ChildEngine | undefined;

  before(async function () {
    dir = await makeWorkspace(FAULT_TASKS);
    mnt = join(dir, '.runlight');
    await mkdir(mnt, { recursive: true });
    const reason = mountTmpfs(mnt, '8m');
    if (reason) {
      console.log(`faults[disk]: skipped: ${reason}`);
      this.skip();
    }
    mounted = true;
  });
  after(async () => {
    await engine?.kill();
    if (mounted) unmount(mnt);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function api(method: string, path: string, body?: unknown, type = 'application/json') {
    const res = await fetch(engine!.url + path, {
      method,
      headers: { authorization: `Bearer ${SECRET}`, 'content-type': type },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, text, json: safeJson(text) };
  }

  it('refuses writes with 503 storage_unavailable, keeps what was acknowledged, and recovers when space returns', async () => {
    engine = await spawnEngine(dir, { workers: 2 });
    const e = engine;
    await waitForTask(e.client, 'chatty');

    const probe = await e.client.trigger('sleeper', { ms: 600_000 });
    const writer = await e.client.trigger('chatty', { n: 1_000_000, delayMs: 1 }, { maxAttempts: 1 });
    const started = Date.now();
    while ((await e.client.retrieveRun(writer.id)).metadata?.i === undefined) {
      if (Date.now() - started > 30_000) throw new Error('the chatty run did not start');
      await sleep(50);
    }

    // Chunks acknowledged before and while the disk fills.
    const acked: { idx: number; value: unknown }[] = [];
    const pad = 'x'.repeat(16 * 1024);
    const append = async (n: number) => {
      const value = { n, pad };
      const r = await api('POST', `/realtime/v1/streams/${probe.id}/self/tokens/append`, value);
      if (r.status === 200) acked.push({ idx: (r.json as { idx: number }).idx, value });
      return r;
    };
    for (let n = 0; n < 5; n++) assert.equal((await append(n)).status, 200);
    assert.equal((await api('PUT', `/api/v1/runs/${probe.id}/metadata`, { metadata: { before: true } })).status, 200);

    const filler = join(mnt, 'filler');
    const fs = await statfs(mnt);
    const free = fs.bavail * fs.bsize;
    // The chatty run keeps writing meanwhile: when it takes the last 256 KiB first, the filler stops at a full disk,
    // which is what it is for.
    await writeFile(filler, Buffer.alloc(Math.max(0, free - 256 * 1024))).catch((err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    });

    let refused: { status: number; text: string; json: unknown } | undefined;
    let n = 5;
    for (; n < 2000 && !refused; n++) {
      const r = await append(n);
      if (r.status !== 200) refused = r;
    }
    assert.ok(refused, 'appends never failed on a full disk');
    const firstRefused = n - 1;
    const ackedWhileFilling = acked.length - 5;
    assert.equal(refused.status, 503, refused.text);
    const err = ErrorBody.parse(refused.json);
    assert.equal(err.error.code, 'storage_unavailable');
    assert.match(err.error.message, /^the run store could not commit: .*: the disk holding \S+ is full \(\d+ KiB free\)$/);

    // Every write is refused the same way, none with a 5xx other than 503, and the engine stays up.
    const during = [
      await append(n++),
      await api('PUT', `/api/v1/runs/${probe.id}/metadata`, { operations: [{ type: 'set', key: 'during', value: 'x'.repeat(64 * 1024) }] }),
      await api('POST', '/api/v1/tasks/echo/trigger', { payload: { big: 'x'.repeat(128 * 1024) } }),
      await api('POST', `/api/v1/runs/${probe.id}/tags`, { tags: Array.from({ length: 10 }, (_, i) => `t${i}${'y'.repeat(100)}`) }),
    ];
    for (const r of during) {
      assert.ok(r.status === 503 || r.status === 200 || r.status === 201, `${r.status} ${r.text.slice(0, 200)}`);
      if (r.status === 503) assert.equal(ErrorBody.parse(r.json).error.code, 'storage_unavailable');
    }
    const refusedDuring = during.filter((r) => r.status === 503).length;
    assert.equal(e.child.exitCode, null, 'engine exited on a full disk');
    assert.equal((await api('GET', '/healthz')).status, 200);

    // What was acknowledged is still served, in order.
    const served = await readChunks(e, probe.id, acked.length);
    assert.deepEqual(
      served.map((c) => c.idx),
      acked.map((a) => a.idx),
    );
    served.forEach((c, i) => assert.deepEqual(c.value, acked[i]!.value, `chunk ${c.idx}`));
    assert.equal((await e.client.getMetadata(probe.id)).before, true);

    // The task writing from inside its run got a failed write. Its end is stored once a commit fits: still
    // EXECUTING, or already FAILED when that small commit fitted in log space SQLite reuses after a checkpoint.
    const writerNow = (await e.client.retrieveRun(writer.id)).status;
    assert.ok(writerNow === 'EXECUTING' || writerNow === 'FAILED', `writer run is ${writerNow} on a full disk`);

    // Space returns: the engine accepts writes again without a restart.
    await unlink(filler);
    const after = await append(n++);
    assert.equal(after.status, 200, after.text);
    assert.equal((after.json as { idx: number }).idx, acked.at(-2)!.idx + 1, 'the next chunk follows the last acknowledged one');
    assert.equal((await api('PUT', `/api/v1/runs/${probe.id}/metadata`, { operations: [{ type: 'set', key: 'after', value: true }] })).status, 200);
    const echo = await e.client.trigger('echo', { ok: 1 });
    assert.equal((await followRun(e.client, echo.id, 30_000)).at(-1)!.status, 'COMPLETED');

    // The run whose writes failed ends FAILED with a readable error once its end can be stored.
    const final = (await followRun(e.client, writer.id, 30_000)).at(-1)!;
    assert.equal(final.status, 'FAILED', JSON.stringify(final.error));
    assert.match(final.error?.message ?? '', /store|disk|storage/i);
    const writerChunks = await readChunks(e, writer.id);
    writerChunks.forEach((c, i) => assert.equal(c.idx, i, 'task chunks numbered without a gap'));

    const all = await readChunks(e, probe.id, acked.length);
    assert.deepEqual(
      all.map((c) => c.idx),
      acked.map((a) => a.idx),
    );
    const meta = await e.client.getMetadata(probe.id);
    assert.equal(meta.before, true, 'metadata acknowledged before the disk filled');
    assert.equal(meta.after, true);
    assert.equal(meta.during !== undefined, during[1]!.status === 200, 'metadata written during only if acknowledged');
    assert.equal(e.child.exitCode, null);

    console.log(
      `faults[disk]: tmpfs 8 MiB, chunks acked=${acked.length} (${ackedWhileFilling} after the filler), all readable; ` +
        `refused with 503 storage_unavailable ("${err.error.message}"): first at append #${firstRefused}, ${refusedDuring}/${during.length} other writes; ` +
        `task run FAILED: "${final.error?.message}", its ${writerChunks.length} chunks intact; writes accepted again after freeing space`,
    );
  });

  it('refuses to start on a read-only store with a clear error, and starts again once it is writable', async function () {
    if (!engine) this.skip();
    await rm(join(mnt, 'filler'), { force: true }); // left behind when the test above failed
    const runsBefore = (await engine.client.listRuns({ pageSize: 1000 })).data.length;
    await engine.stop();
    engine = undefined;
    try {
      execFileSync('mount', ['-o', 'remount,ro', mnt], { stdio: 'pipe' });
    } catch (e) {
      console.log(`faults[disk]: read-only variant skipped: remount ro failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim()}`);
      this.skip();
    }
    let message = '';
    try {
      await assert.rejects(spawnEngine(dir, { timeoutMs: 20_000 }), (err: Error) => {
        message = err.message;
        return /exited \(1\) before listening/.test(err.message) && /read-only file system/i.test(err.message) && err.message.includes(mnt);
      });
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mnt], { stdio: 'pipe' });
    }
    engine = await spawnEngine(dir);
    assert.equal((await engine.client.listRuns({ pageSize: 1000 })).data.length, runsBefore, 'every run is still stored');
    console.log(
      `faults[disk]: read-only store: the engine exits 1 with "${/Error: (.*)/.exec(message)?.[1] ?? message.slice(0, 200)}"; restarts once writable with ${runsBefore} runs`,
    );
  });

  async function readChunks(e: ChildEngine, runId: string, count?: number): Promise<StreamChunk[]> {
    const out: StreamChunk[] = [];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), count === undefined ? 20_000 : 10_000);
    try {
      for await (const c of e.client.subscribeToStream(runId, 'tokens', { signal: ac.signal })) {
        out.push(c);
        if (count !== undefined && out.length >= count) break;
      }
    } finally {
      clearTimeout(timer);
    }
    return out;
  }
});

/** Mounts a tmpfs of `size` on `dir`; returns why it could not, or undefined when mounted. */
function mountTmpfs(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return `tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    return `mount -t tmpfs failed: ${stderr || (e as Error).message}`;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('umount', [dir], { stdio: 'pipe' });
  } catch {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
