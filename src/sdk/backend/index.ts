/**
 * The backend half of the SDK (Trigger.dev-compatible where it overlaps); re-exported by src/sdk/index.ts.
 * Exactly these six values; the public types are in ./public-types (re-export them by name as needed).
 */
export { configure } from './config';
export { tasks } from './tasks';
export { batch } from './batch';
export { runs } from './runs';
export { auth } from './auth';
export { readStream } from './streams';
