/** Help texts of the CLI. */

export const MAIN_HELP = `runlight — a local Trigger.dev-style run engine

Usage:
  runlight dev [--dir DIR] [--port N] [--store URL] [--workers N] [--retention-days N] [--retention-runs N]
  runlight trigger TASK [--payload JSON] [--tag T]... [--watch] [--debug] [--dir DIR]
  runlight runs [--status S]... [--tag T]... [--task ID] [--limit N] [--json] [--dir DIR]
  runlight watch RUN_ID [--dir DIR]
  runlight mcp [--dir DIR] [--read-only]
  runlight --help | --version

Commands:
  dev       Start the engine for a workspace and keep it in the foreground (Ctrl-C stops it).
  trigger   Trigger a task; with --watch follow it live until it ends (exit 0 if COMPLETED, else 1).
  runs      List recent runs as a table (or JSON).
  watch     Follow one run live: status, metadata, stream chunks and logs, until it ends.
  mcp       Serve the workspace's engine to AI assistants over the Model Context Protocol (stdio).

The engine of a workspace is found through <dir>/.runlight/engine.json; the secret key comes from
RUNLIGHT_SECRET_KEY or <dir>/.runlight/secret-key. Run "runlight <command> --help" for details.`;

export const COMMAND_HELP: Record<string, string> = {
  dev: `Usage: runlight dev [--dir DIR] [--port N] [--store URL] [--workers N] [--retention-days N] [--retention-runs N]

Starts the engine for the workspace DIR (default: the current folder) on 127.0.0.1 and stays in the
foreground; SIGINT/SIGTERM stop it cleanly.

Options:
  --dir DIR       workspace folder (tasks under trigger/ and src/trigger/; state in DIR/.runlight)
  --port N        port to listen on, 0 = any free port (default 0)
  --store URL     "sqlite" (default, DIR/.runlight/runlight.db) or a postgres:// URL
  --workers N     most task workers at once (default 2); started on demand, stopped after 60 s idle
  --retention-days N  remove finished runs (with their events, streams and logs) older than N days;
                      0 keeps them (default 7, or RUNLIGHT_RETENTION_DAYS)
  --retention-runs N  keep only the newest N runs; 0 = no limit (default 0, or RUNLIGHT_RETENTION_RUNS)`,
  trigger: `Usage: runlight trigger TASK [--payload JSON] [--tag T]... [--watch] [--debug] [--dir DIR]

Triggers TASK and prints the new run id.

Options:
  --payload JSON  the payload, as JSON (e.g. '{"prompt":"Hello"}')
  --tag T         a tag for the run; repeat for several
  --watch         follow the run live until it ends; exit code 0 if it COMPLETED, 1 otherwise
  --debug         print the inspector URL of the run's worker, wait up to 60 s for a debugger, then --watch
  --dir DIR       workspace folder whose engine to use (default: the current folder)`,
  runs: `Usage: runlight runs [--status S]... [--tag T]... [--task ID] [--limit N] [--json] [--dir DIR]

Lists runs, newest first.

Options:
  --status S      only runs in status S (e.g. COMPLETED, FAILED); repeat or comma-separate for several
  --tag T         only runs having tag T; repeat for several (runs having all of them)
  --task ID       only runs of task ID
  --limit N       at most N runs (default 25)
  --json          print the runs as JSON instead of a table
  --dir DIR       workspace folder whose engine to use (default: the current folder)`,
  watch: `Usage: runlight watch RUN_ID [--dir DIR]

Follows one run live until it ends: status changes, metadata changes, stream chunks (text inline) and
logs. Exit code 0 if the run COMPLETED, 1 otherwise.`,
  mcp: `Usage: runlight mcp [--dir DIR] [--read-only]

A Model Context Protocol server on stdin/stdout, for AI assistants (VS Code, Claude, Cursor, …): tools to list
tasks, trigger a run, wait for it, read its output, streamed text and logs, cancel or replay it, and list and
complete wait tokens. It attaches to the workspace's engine, or starts one inside this process when none runs
(stopped again when the client disconnects). Logs go to stderr.

Options:
  --dir DIR       workspace folder whose engine to use (default: the current folder)
  --read-only     only the tools that read (no trigger, cancel, replay or token completion)

Client configuration (e.g. .vscode/mcp.json, or a "mcpServers" entry elsewhere):
  { "command": "node", "args": ["/path/to/runlight/dist/cli.js", "mcp", "--dir", "/path/to/workspace"] }`,
};
