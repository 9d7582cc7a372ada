import type { Run } from '../protocol/run';

/** What `activate()` returns, for integration tests and other extensions. */
export interface RunlightApi {
  engine: {
    /** The engine URL when connected, else undefined. */
    url(): string | undefined;
    /** Attaches to or starts the engine; resolves with its URL. */
    ready(): Promise<string>;
  };
  runs: {
    get(id: string): Run | undefined;
    all(): Run[];
  };
  tasks: {
    /** Ids of the tasks the Tasks view lists. */
    list(): string[];
    /** The glob the Tasks view watches task files with, relative to each workspace folder. */
    watchedFiles(): string | undefined;
  };
  schedules: {
    /** The schedules the Schedules view lists (as last loaded). */
    list(): Array<{ id: string; task: string; type: string; active: boolean; nextRun: string | null; lastRun: string | null }>;
  };
  /** Run ids of the open run panels. */
  openPanels(): string[];
}
