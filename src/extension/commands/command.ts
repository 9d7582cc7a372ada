import type { Services } from '../services';

/** One command of the extension (one file each under commands/), registered by commands/registry.ts. */
export interface CommandDef {
  id: string;
  run(services: Services, ...args: unknown[]): unknown;
}
