import { Database as WasmDatabase, type Statement as WasmStatement } from 'node-sqlite3-wasm';

/**
 * The SQLite library under the store: Node's own `node:sqlite` (native SQLite in the runtime, no addon) where the
 * runtime has it (Node ≥ 22.13, or 22.5 with --experimental-sqlite), else node-sqlite3-wasm (WASM, every runtime:
 * Node 20, Electron). Both write the same file format; the store sees one small synchronous API.
 */

export type SqlValue = number | bigint | string | Uint8Array | null;
export type Row = Record<string, SqlValue>;

export interface SqlStatement {
  /** Every row, the statement stepped to completion (never left active: that would pin a WAL read snapshot). */
  all(params?: readonly SqlValue[]): Row[];
  run(params?: readonly SqlValue[]): { changes: number; lastInsertRowid: number | bigint };
  finalize(): void;
}

export interface SqlDatabase {
  readonly driver: SqliteDriver;
  exec(sql: string): void;
  /** The first row of a statement run once (PRAGMAs). */
  get(sql: string): Row | undefined;
  prepare(sql: string): SqlStatement;
  /** Whether a transaction is open (true when the library cannot tell: a ROLLBACK is then tried). */
  readonly inTransaction: boolean;
  close(): void;
}

export type SqliteDriver = 'node:sqlite' | 'wasm';

/** `node:sqlite`'s classes, as far as the store uses them (@types/node 20 does not describe the module). */
interface NodeStatement {
  all(...params: SqlValue[]): Row[];
  run(...params: SqlValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
}
interface NodeDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
  readonly isTransaction?: boolean;
}
interface NodeSqlite {
  DatabaseSync: new (file: string) => NodeDatabase;
}

let nodeSqlite: NodeSqlite | null | undefined;

/** `node:sqlite` when this runtime has it (without printing anything), else null. */
export function nodeSqliteModule(): NodeSqlite | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  nodeSqlite = null;
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof getBuiltin !== 'function') return nodeSqlite;
  // Node 22 announces the module as experimental on first load: that one warning is not the user's concern.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/SQLite/i.test(text)) return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    const m = getBuiltin.call(process, 'node:sqlite') as Partial<NodeSqlite> | undefined;
    if (m && typeof m.DatabaseSync === 'function') nodeSqlite = m as NodeSqlite;
  } catch {
    // Not in this runtime (or behind a flag).
  } finally {
    process.emitWarning = emit;
  }
  return nodeSqlite;
}

/**
 * The driver to use: `RUNLIGHT_SQLITE_DRIVER` (`node:sqlite` or `wasm`) when set, else node:sqlite where the
 * runtime has it. Asking for node:sqlite where it is missing is an error naming the variable.
 */
export function chooseDriver(wanted: string | undefined = process.env.RUNLIGHT_SQLITE_DRIVER): SqliteDriver {
  if (wanted === undefined || wanted === '' || wanted === 'auto') return nodeSqliteModule() ? 'node:sqlite' : 'wasm';
  if (wanted === 'wasm') return 'wasm';
  if (wanted === 'node:sqlite' || wanted === 'native') {
    if (!nodeSqliteModule()) throw new Error(`RUNLIGHT_SQLITE_DRIVER=${wanted}: this runtime (Node ${process.versions.node}) has no node:sqlite`);
    return 'node:sqlite';
  }
  throw new Error(`RUNLIGHT_SQLITE_DRIVER must be node:sqlite, wasm or auto, not "${wanted}"`);
}

export function openDatabase(file: string, driver: SqliteDriver): SqlDatabase {
  return driver === 'node:sqlite' ? new NativeDb(file) : new WasmDb(file);
}

class NativeDb implements SqlDatabase {
  readonly driver = 'node:sqlite';
  private readonly db: NodeDatabase;

  constructor(file: string) {
    const m = nodeSqliteModule();
    if (!m) throw new Error(`node:sqlite is not available in Node ${process.versions.node}`);
    this.db = new m.DatabaseSync(file);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  get(sql: string): Row | undefined {
    return this.db.prepare(sql).all()[0];
  }

  prepare(sql: string): SqlStatement {
    const s = this.db.prepare(sql);
    return {
      all: (params) => (params && params.length ? s.all(...params) : s.all()),
      run: (params) => {
        const r = params && params.length ? s.run(...params) : s.run();
        return { changes: Number(r.changes), lastInsertRowid: r.lastInsertRowid };
      },
      // node:sqlite finalizes a statement when it is collected.
      finalize: () => {},
    };
  }

  get inTransaction(): boolean {
    return this.db.isTransaction ?? true;
  }

  close(): void {
    this.db.close();
  }
}

class WasmDb implements SqlDatabase {
  readonly driver = 'wasm';
  private readonly db: WasmDatabase;

  constructor(file: string) {
    this.db = new WasmDatabase(file);
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  get(sql: string): Row | undefined {
    return (this.db.get(sql) ?? undefined) as Row | undefined;
  }

  prepare(sql: string): SqlStatement {
    const s: WasmStatement = this.db.prepare(sql);
    return {
      all: (params) => s.all(params as SqlValue[] | undefined) as Row[],
      run: (params) => s.run(params as SqlValue[] | undefined),
      finalize: () => s.finalize(),
    };
  }

  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  close(): void {
    this.db.close();
  }
}
