import type { Run, RunStatus } from '../../protocol/run';
import { RUN_STATUSES, isTerminal } from '../../shared/status';

/**
 * The Runs view's text filter: tokens such as `status:failed tag:user:42 task:chat run_…`, parsed into clauses
 * and matched against runs. Pure (no vscode): unit-tested in plain Node.
 *
 * Grammar (whitespace separates tokens; keys are case-insensitive):
 *   status:<s>[,<s>…]   the run's status is one of these (a status name such as `failed` or `timed_out`, or
 *                       `running`, `unfinished`, `finished`)
 *   tag:<tag>           the run has this tag (`tag:user:*` — any tag starting with `user:`)
 *   task:<task id>      the run is of this task (`task:email/*` likewise)
 *   batch:<batch id>    the run is in this batch
 *   anything else       free text: a run whose id or task id contains it (case-insensitive)
 *   -<token>            excludes what the token matches (`-status:completed`)
 *   "…"                 quotes text with spaces or a colon (`tag:"needs review"`, `"billing:send"`)
 * Tokens with different keys must all match; the values of one `status:` token, and several `task:` or `batch:`
 * tokens, are alternatives; several `tag:` tokens must all be on the run.
 */

export type QueryKey = 'status' | 'tag' | 'task' | 'batch' | 'text';

export interface QueryClause {
  key: QueryKey;
  /** `-key:value`: the runs the clause matches are left out. */
  negated: boolean;
  /** Alternatives: the clause matches when any of them does. Statuses are RunStatus values; text is lower case. */
  values: readonly string[];
}

export interface RunQuery {
  /** The filter as the user wrote it (trimmed): what the view shows and what is kept across reloads. */
  text: string;
  clauses: readonly QueryClause[];
}

export type QueryParse = { ok: true; query: RunQuery } | { ok: false; errors: string[] };

export const EMPTY_QUERY: RunQuery = { text: '', clauses: [] };

const KEYS: readonly QueryKey[] = ['status', 'tag', 'task', 'batch'];
const EXAMPLES: Record<Exclude<QueryKey, 'text'>, string> = {
  status: 'status:failed',
  tag: 'tag:user:42',
  task: 'task:chat',
  batch: 'batch:batch_…',
};

/** Status words besides the status names (lower case, `_` or `-`): groups, and the British spelling. */
const STATUS_GROUPS: Readonly<Record<string, readonly RunStatus[]>> = {
  running: ['DEQUEUED', 'EXECUTING'],
  unfinished: RUN_STATUSES.filter((s) => !isTerminal(s)),
  finished: RUN_STATUSES.filter((s) => isTerminal(s)),
  cancelled: ['CANCELED'],
};

const STATUS_WORDS = `${RUN_STATUSES.map((s) => s.toLowerCase()).join(', ')} (or ${Object.keys(STATUS_GROUPS)
  .filter((w) => w !== 'cancelled')
  .join(', ')})`;

/** The statuses a status word names, or undefined. */
export function statusesOf(word: string): readonly RunStatus[] | undefined {
  const w = word.toLowerCase().replace(/-/g, '_');
  const exact = RUN_STATUSES.find((s) => s.toLowerCase() === w);
  return exact ? [exact] : STATUS_GROUPS[w];
}

interface Token {
  /** The token with quotes removed. */
  text: string;
  /** Index in `text` of the first `:` outside quotes (-1: none). */
  colon: number;
  negated: boolean;
  /** 1-based position in the input, for messages. */
  at: number;
}

function tokenize(input: string, errors: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/.test(input[i]!)) i++;
    if (i >= input.length) break;
    const at = i + 1;
    let negated = false;
    if (input[i] === '-' && i + 1 < input.length && !/\s/.test(input[i + 1]!)) {
      negated = true;
      i++;
    }
    let text = '';
    let colon = -1;
    while (i < input.length && !/\s/.test(input[i]!)) {
      const c = input[i]!;
      if (c === '"') {
        const start = i + 1;
        i++;
        let closed = false;
        while (i < input.length) {
          const q = input[i]!;
          if (q === '\\' && i + 1 < input.length && (input[i + 1] === '"' || input[i + 1] === '\\')) {
            text += input[i + 1];
            i += 2;
          } else if (q === '"') {
            closed = true;
            i++;
            break;
          } else {
            text += q;
            i++;
          }
        }
        if (!closed) {
          errors.push(`unterminated quote: the " at character ${start} has no closing "`);
          return tokens;
        }
        continue;
      }
      if (c === ':' && colon < 0) colon = text.length;
      text += c;
      i++;
    }
    tokens.push({ text, colon, negated, at });
  }
  return tokens;
}

/** Parses a filter; every bad token is named in `errors` (and nothing is applied). */
export function parseRunQuery(input: string): QueryParse {
  const text = input.trim();
  const errors: string[] = [];
  const tokens = tokenize(text, errors);
  const clauses: QueryClause[] = [];
  for (const t of tokens) {
    const key = t.colon > 0 ? t.text.slice(0, t.colon) : '';
    const isKey = /^[a-z][a-z_-]*$/i.test(key);
    if (!isKey) {
      if (t.text) clauses.push({ key: 'text', negated: t.negated, values: [t.text.toLowerCase()] });
      continue;
    }
    const k = key.toLowerCase() as QueryKey;
    const value = t.text.slice(t.colon + 1);
    if (!KEYS.includes(k)) {
      errors.push(
        `unknown key '${key}' in '${t.text}'; the keys are ${KEYS.map((x) => `${x}:`).join(', ')} (quote text that has a colon: "${t.text}"${
          value ? `, or tag:${t.text} for a tag` : ''
        })`,
      );
      continue;
    }
    const example = EXAMPLES[k as Exclude<QueryKey, 'text'>];
    if (!value) {
      errors.push(`'${t.text}' needs a value, e.g. ${example}`);
      continue;
    }
    if (k === 'status') {
      const statuses = new Set<RunStatus>();
      for (const word of value.split(',')) {
        if (!word) continue;
        const found = statusesOf(word);
        if (found) for (const s of found) statuses.add(s);
        else errors.push(`unknown status '${word}'; one of ${STATUS_WORDS}`);
      }
      if (statuses.size) clauses.push({ key: 'status', negated: t.negated, values: [...statuses] });
      continue;
    }
    clauses.push({ key: k, negated: t.negated, values: [value] });
  }
  if (errors.length) return { ok: false, errors };
  return { ok: true, query: { text, clauses: mergeAlternatives(clauses) } };
}

/** Several positive `task:` or `batch:` tokens are one clause of alternatives (a run has one task and one batch). */
function mergeAlternatives(clauses: QueryClause[]): QueryClause[] {
  const out: QueryClause[] = [];
  for (const c of clauses) {
    const same = !c.negated && (c.key === 'task' || c.key === 'batch') ? out.find((o) => o.key === c.key && !o.negated) : undefined;
    if (same) out[out.indexOf(same)] = { ...same, values: [...same.values, ...c.values] };
    else out.push(c);
  }
  return out;
}

function valueMatches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  return pattern.length > 1 && pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function clauseMatches(c: QueryClause, run: Run): boolean {
  switch (c.key) {
    case 'status':
      return c.values.includes(run.status);
    case 'task':
      return c.values.some((v) => valueMatches(v, run.taskIdentifier));
    case 'batch':
      return c.values.some((v) => valueMatches(v, run.batchId));
    case 'tag':
      return c.values.some((v) => run.tags.some((t) => valueMatches(v, t)));
    case 'text':
      return c.values.some((v) => run.id.toLowerCase().includes(v) || run.taskIdentifier.toLowerCase().includes(v));
  }
}

export function matchesQuery(run: Run, query: RunQuery): boolean {
  for (const c of query.clauses) if (clauseMatches(c, run) === c.negated) return false;
  return true;
}

export function queryIsActive(query: RunQuery | undefined): boolean {
  return !!query && query.clauses.length > 0;
}

/** A value as a token would carry it: quoted when it has a space, a quote or starts with `-`. */
export function quoteValue(value: string): string {
  return /[\s"]/.test(value) || value.startsWith('-') || value === '' ? `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : value;
}

/** The filter text for statuses and task ids (what Filter Runs… took before it took text). */
export function queryTextOf(statuses: readonly RunStatus[] = [], taskIds: readonly string[] = []): string {
  const parts: string[] = [];
  if (statuses.length) parts.push(`status:${statuses.map((s) => s.toLowerCase()).join(',')}`);
  for (const t of taskIds) parts.push(`task:${quoteValue(t)}`);
  return parts.join(' ');
}
