import type { SqlDatabase, SqlStatement } from './driver';

/** Prepared statements by SQL text, least recently used finalized past `max`. */
export class StatementCache {
  private readonly map = new Map<string, SqlStatement>();

  constructor(
    private readonly db: SqlDatabase,
    private readonly max = 200,
  ) {}

  get(sql: string): SqlStatement {
    const hit = this.map.get(sql);
    if (hit) {
      // Kept in use order only once the cache is near full (re-inserting on every hit costs more than it saves below that).
      if (this.map.size >= this.max - 1) {
        this.map.delete(sql);
        this.map.set(sql, hit);
      }
      return hit;
    }
    const stmt = this.db.prepare(sql);
    this.map.set(sql, stmt);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) {
        this.map.get(oldest.value)?.finalize();
        this.map.delete(oldest.value);
      }
    }
    return stmt;
  }

  clear(): void {
    for (const stmt of this.map.values()) {
      try {
        stmt.finalize();
      } catch {
        // finalize() reports the error of the statement's last failed step; the statement is freed anyway.
      }
    }
    this.map.clear();
  }
}
