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
  /** What new integrated terminals get set in their environment by Runlight. */
  terminalEnvironment(): Record<string, string>;
  /** The Runs view as its tree data provider hands it to VS Code. */
  runsView: {
    /** The items under the node `id` (the top-level groups without one). */
    children(id?: string): RunsViewItem[];
    /** The active filter's text ('' for none), and what the view shows of it: its description and message. */
    filter(): { text: string; description: string | undefined; message: string | undefined };
  };
  /** Whether `runlight mcp` is offered to VS Code's MCP support (VS Code 1.101+). */
  mcpServerOffered(): boolean;
}

/** One item of the Runs view, as VS Code shows it. */
export interface RunsViewItem {
  id: string;
  label: string;
  description: string | undefined;
  /** Markdown. */
  tooltip: string | undefined;
  /** The codicon id and its theme colour id. */
  icon: string | undefined;
  color: string | undefined;
  contextValue: string | undefined;
  collapsible: 'none' | 'collapsed' | 'expanded';
}
