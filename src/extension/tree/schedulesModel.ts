import type { ScheduleObject } from '../../protocol/schedules';
import { formatRelative } from '../../shared/format';
import { escapeMarkdown } from '../format';
import type { NodeIcon } from './model';

/**
 * The Schedules view as plain data (no vscode import: unit-tested in plain Node): one node per schedule, active
 * ones first by next run, then paused ones by task. Node ids are `schedule:<id>`, stable across reloads.
 */

export interface ScheduleNode {
  id: string;
  scheduleId: string;
  label: string;
  description: string;
  /** Markdown. */
  tooltip: string;
  icon: NodeIcon;
  /** `schedule` + `active`|`inactive` + `declarative`|`imperative`, for the menus' `viewItem =~` tests. */
  contextValue: string;
}

export const scheduleNodeId = (scheduleId: string): string => `schedule:${scheduleId}`;

/** "in 40s" → "in <1m", "in 5m", "in 2h", "in 3d"; "" when unknown. */
export function formatUntil(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = Math.max(0, t - now);
  if (d < 60_000) return 'in <1m';
  if (d < 3_600_000) return `in ${Math.floor(d / 60_000)}m`;
  if (d < 86_400_000) return `in ${Math.floor(d / 3_600_000)}h`;
  return `in ${Math.floor(d / 86_400_000)}d`;
}

function order(a: ScheduleObject, b: ScheduleObject): number {
  if (a.active !== b.active) return a.active ? -1 : 1;
  const na = a.nextRun ? Date.parse(a.nextRun) : Infinity;
  const nb = b.nextRun ? Date.parse(b.nextRun) : Infinity;
  if (na !== nb) return na - nb;
  return a.task.localeCompare(b.task) || a.id.localeCompare(b.id);
}

export function scheduleNode(s: ScheduleObject, now: number): ScheduleNode {
  const next = s.active ? formatUntil(s.nextRun, now) : '';
  const last = formatRelative(s.lastRun ?? undefined, now);
  const description = [s.generator.expression, s.active ? (next ? `next ${next}` : '') : 'paused', last ? `last ${last}` : ''].filter(Boolean).join(' · ');
  const code = (v: string): string => `\`${v.replace(/`/g, '')}\``;
  const tooltip = [
    `**${escapeMarkdown(s.task)}** — ${s.active ? 'active' : 'paused'} ${s.type.toLowerCase()} schedule`,
    '',
    `- cron: ${code(s.generator.expression)} (${escapeMarkdown(s.generator.description)})`,
    `- time zone: ${escapeMarkdown(s.timezone)}`,
    `- next run: ${s.active && s.nextRun ? s.nextRun : '—'}`,
    `- last run: ${s.lastRun ?? 'never'}`,
    `- id: ${code(s.id)}`,
    ...(s.externalId ? [`- external id: ${code(s.externalId)}`] : []),
    ...(s.deduplicationKey ? [`- deduplication key: ${code(s.deduplicationKey)}`] : []),
  ].join('\n');
  return {
    id: scheduleNodeId(s.id),
    scheduleId: s.id,
    label: s.task,
    description,
    tooltip,
    icon: s.active ? { codicon: 'clock' } : { codicon: 'debug-pause', color: 'disabledForeground' },
    contextValue: `schedule ${s.active ? 'active' : 'inactive'} ${s.type.toLowerCase()}`,
  };
}

/** Every schedule as a node, in view order. */
export function scheduleNodes(schedules: readonly ScheduleObject[], now: number): ScheduleNode[] {
  return [...schedules].sort(order).map((s) => scheduleNode(s, now));
}
