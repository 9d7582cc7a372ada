// Root hooks of the browser suites: peak memory (PSS of this process and everything it started).
import { startMemorySampler } from '../harness/src/index';

let sampler: ReturnType<typeof startMemorySampler> | undefined;
let started = 0;

export const mochaHooks = {
  beforeAll(): void {
    started = Date.now();
    sampler = startMemorySampler();
  },
  afterAll(): void {
    const peak = sampler?.stop() ?? 0;
    console.log(
      `\n  e2e: ${((Date.now() - started) / 1000).toFixed(1)} s, peak memory ${peak.toFixed(0)} MiB PSS (runner, code-server, extension host, engine, Chromium)`,
    );
  },
};
