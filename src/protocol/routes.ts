/** Every HTTP path of the engine, in one place (Trigger.dev's paths where they exist). */
const e = encodeURIComponent;
export const routes = {
  health: () => '/healthz',
  trigger: (taskId: string) => `/api/v1/tasks/${e(taskId)}/trigger`,
  batchTrigger: () => '/api/v1/tasks/batch',
  listTasks: () => '/api/v1/tasks',
  retrieveRun: (runId: string) => `/api/v3/runs/${e(runId)}`,
  listRuns: () => '/api/v1/runs',
  /** Runlight's own: triggers a run whose worker waits for a debugger on its inspector (DebugRequest → DebugResponse). */
  debugTask: (taskId: string) => `/api/v1/tasks/${e(taskId)}/debug`,
  cancelRun: (runId: string) => `/api/v2/runs/${e(runId)}/cancel`,
  replayRun: (runId: string) => `/api/v1/runs/${e(runId)}/replay`,
  /** Runlight's own: the run's attempts and waits on one time axis (RunTimeline). */
  runTimeline: (runId: string) => `/api/v1/runs/${e(runId)}/timeline`,
  addTags: (runId: string) => `/api/v1/runs/${e(runId)}/tags`,
  metadata: (runId: string) => `/api/v1/runs/${e(runId)}/metadata`,
  createPublicToken: () => '/api/v1/auth/jwt',
  jwtClaims: () => '/api/v1/auth/jwt/claims',
  /** Wait tokens (Trigger.dev's waitpoint tokens). */
  waitTokens: () => '/api/v1/waitpoints/tokens',
  waitToken: (id: string) => `/api/v1/waitpoints/tokens/${e(id)}`,
  completeWaitToken: (id: string) => `/api/v1/waitpoints/tokens/${e(id)}/complete`,
  /** The token's callback URL: no key, the secret in the path authorises it; the POST body is the output. */
  waitTokenCallback: (id: string, secret: string) => `/api/v1/waitpoints/tokens/${e(id)}/callback/${e(secret)}`,
  /** Schedules (Trigger.dev's paths) and the time zones they accept. */
  schedules: () => '/api/v1/schedules',
  schedule: (id: string) => `/api/v1/schedules/${e(id)}`,
  activateSchedule: (id: string) => `/api/v1/schedules/${e(id)}/activate`,
  deactivateSchedule: (id: string) => `/api/v1/schedules/${e(id)}/deactivate`,
  /** Runlight's own: triggers the schedule's task now with a schedule payload ("Run Now"); the schedule is unchanged. */
  runSchedule: (id: string) => `/api/v1/schedules/${e(id)}/run`,
  timezones: () => '/api/v1/timezones',
  /** Stream writes from outside a worker. `target` is `self` or a run id. Body: one chunk (JSON or text). */
  appendStream: (runId: string, key: string, target = 'self') => `/realtime/v1/streams/${e(runId)}/${e(target)}/${e(key)}/append`,
  /** SSE feeds. */
  subscribeRun: (runId: string) => `/realtime/v1/runs/${e(runId)}`,
  subscribeRuns: (tags?: string[]) => (tags && tags.length ? `/realtime/v1/runs?tags=${tags.map(e).join(',')}` : '/realtime/v1/runs'),
  subscribeBatch: (batchId: string) => `/realtime/v1/batches/${e(batchId)}`,
  subscribeStream: (runId: string, key: string) => `/realtime/v1/streams/${e(runId)}/${e(key)}`,
} as const;

/** Header carrying the Public Access Token minted for a trigger (scoped to the new run or batch). */
export const JWT_HEADER = 'x-trigger-jwt';
