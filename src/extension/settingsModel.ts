/** The `runlight.*` settings as the code uses them, read defensively (users edit settings.json by hand). */
export interface RunlightSettings {
  taskDirectories: string[];
  enginePort: number;
  /** A remote engine (several nodes on one Postgres): attach to it instead of starting a local one. */
  engineUrl: string | undefined;
  autoStart: boolean;
  runsPerGroup: number;
  completionNotifications: 'off' | 'failures' | 'all';
  /** undefined = all runs. */
  timeWindowMs: number | undefined;
  /** Lenses above task definitions (▶ Trigger, the latest run). */
  codeLens: boolean;
  /** Finished runs older than this many days are removed by the engine (0: kept). */
  retentionDays: number;
  /** The engine keeps only the newest this many runs (0: no limit). */
  retentionMaxRuns: number;
}

export const TIME_WINDOWS: Record<string, number | undefined> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
  all: undefined,
};

export function parseSettings(get: (key: string) => unknown): RunlightSettings {
  const dirs = get('taskDirectories');
  const port = get('engine.port');
  const url = get('engine.url');
  const perGroup = get('runs.perGroup');
  const notif = get('notifications.completion');
  const win = get('runs.timeWindow');
  return {
    taskDirectories: Array.isArray(dirs) ? dirs.filter((d): d is string => typeof d === 'string' && d.trim() !== '') : [],
    enginePort: typeof port === 'number' && Number.isInteger(port) && port >= 0 && port < 65536 ? port : 0,
    engineUrl: typeof url === 'string' && /^https?:\/\/\S+$/.test(url.trim()) ? url.trim().replace(/\/+$/, '') : undefined,
    autoStart: get('engine.autoStart') !== false,
    runsPerGroup: typeof perGroup === 'number' && perGroup >= 1 ? Math.min(1000, Math.floor(perGroup)) : 50,
    completionNotifications: notif === 'off' || notif === 'all' ? notif : 'failures',
    timeWindowMs: typeof win === 'string' && win in TIME_WINDOWS ? TIME_WINDOWS[win] : TIME_WINDOWS['7d'],
    codeLens: get('codeLens.enabled') !== false,
    retentionDays: nonNegative(get('retention.days'), 7),
    retentionMaxRuns: Math.floor(nonNegative(get('retention.maxRuns'), 0)),
  };
}

function nonNegative(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}
