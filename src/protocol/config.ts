import * as z from 'zod/mini';
import './zod-locale';

// What Runlight takes from a project's trigger.config file (`defineConfig({ … })`): its data fields, each checked on
// its own so that one bad field falls back to its default and names itself. The hooks it defines are functions and
// stay in the worker that loads the file; only their kinds cross the IPC boundary.

/** Trigger.dev's `RetryOptions` (`retries.default` and a task's `retry`). */
export const ConfigRetryOptions = z.object({
  maxAttempts: z.optional(z.number().check(z.int(), z.minimum(1))),
  factor: z.optional(z.number().check(z.positive())),
  minTimeoutInMs: z.optional(z.number().check(z.minimum(0))),
  maxTimeoutInMs: z.optional(z.number().check(z.minimum(0))),
  randomize: z.optional(z.boolean()),
});
export type ConfigRetryOptions = z.infer<typeof ConfigRetryOptions>;

/** The config's fields Runlight applies, one schema each. */
export const CONFIG_FIELDS = {
  project: z.string(),
  dirs: z.array(z.string().check(z.minLength(1, 'must not be empty'))),
  retries: z.object({ enabledInDev: z.optional(z.boolean()), default: z.optional(ConfigRetryOptions) }),
  maxDuration: z.number().check(z.positive()),
} as const;

/** The config as the engine uses it: the fields that were present and valid. */
export const ProjectConfig = z.object({
  project: z.optional(CONFIG_FIELDS.project),
  dirs: z.optional(CONFIG_FIELDS.dirs),
  retries: z.optional(CONFIG_FIELDS.retries),
  maxDuration: z.optional(CONFIG_FIELDS.maxDuration),
});
export type ProjectConfig = z.infer<typeof ProjectConfig>;

/** The global lifecycle hooks a config may define (Trigger.dev v4's `TriggerConfig`), and `handleError` as its own export. */
export const CONFIG_HOOKS = ['init', 'onStart', 'onSuccess', 'onFailure'] as const;
export type ConfigHook = (typeof CONFIG_HOOKS)[number];
