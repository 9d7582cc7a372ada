import assert from 'node:assert/strict';
import type { ScheduleObject } from '../../../src/protocol/schedules';
import { formatUntil, scheduleNodeId, scheduleNodes } from '../../../src/extension/tree/schedulesModel';
import { runTooltipMarkdown } from '../../../src/extension/format';
import { makeRun } from './fixtures';

const NOW = Date.parse('2030-01-01T12:00:00.000Z');
const iso = (offsetMs: number): string => new Date(NOW + offsetMs).toISOString();

function schedule(over: Partial<ScheduleObject> & { id: string; task: string }): ScheduleObject {
  return {
    type: 'IMPERATIVE',
    active: true,
    deduplicationKey: null,
    externalId: null,
    generator: { type: 'CRON', expression: '0 * * * *', description: 'Every hour' },
    timezone: 'UTC',
    nextRun: iso(3_600_000),
    lastRun: null,
    environments: [],
    ...over,
  };
}

describe('schedules tree model', () => {
  it('lists active schedules by next run, then paused ones by task, with stable ids', () => {
    const nodes = scheduleNodes(
      [
        schedule({ id: 'sched_late', task: 'a-late', nextRun: iso(7_200_000) }),
        schedule({ id: 'sched_paused_b', task: 'b-paused', active: false, nextRun: null }),
        schedule({ id: 'sched_soon', task: 'z-soon', nextRun: iso(30_000) }),
        schedule({ id: 'sched_paused_a', task: 'a-paused', active: false, nextRun: null }),
      ],
      NOW,
    );
    assert.deepEqual(
      nodes.map((n) => n.id),
      ['sched_soon', 'sched_late', 'sched_paused_a', 'sched_paused_b'].map(scheduleNodeId),
    );
    assert.deepEqual(
      nodes.map((n) => n.label),
      ['z-soon', 'a-late', 'a-paused', 'b-paused'],
    );
  });

  it('describes the cron, the next run and the last run; a paused schedule says so', () => {
    const [active] = scheduleNodes([schedule({ id: 's1', task: 't', nextRun: iso(5 * 60_000 + 10_000), lastRun: iso(-55 * 60_000) })], NOW);
    assert.equal(active!.description, '0 * * * * · next in 5m · last 55m ago');
    const [fresh] = scheduleNodes([schedule({ id: 's2', task: 't', nextRun: iso(20_000) })], NOW);
    assert.equal(fresh!.description, '0 * * * * · next in <1m');
    const [paused] = scheduleNodes([schedule({ id: 's3', task: 't', active: false, nextRun: null, lastRun: iso(-3 * 86_400_000) })], NOW);
    assert.equal(paused!.description, '0 * * * * · paused · last 3d ago');
  });

  it('flags nodes for the menus: activate on inactive, deactivate on active, both kinds', () => {
    const nodes = scheduleNodes([schedule({ id: 'a', task: 'a' }), schedule({ id: 'b', task: 'b', active: false, nextRun: null, type: 'DECLARATIVE' })], NOW);
    assert.equal(nodes[0]!.contextValue, 'schedule active imperative');
    assert.equal(nodes[1]!.contextValue, 'schedule inactive declarative');
    // The package.json menu tests: `\bactive\b` must not match an inactive node, `\binactive\b` not an active one.
    assert.ok(/\bactive\b/.test(nodes[0]!.contextValue) && !/\bactive\b/.test(nodes[1]!.contextValue));
    assert.ok(/\binactive\b/.test(nodes[1]!.contextValue) && !/\binactive\b/.test(nodes[0]!.contextValue));
    assert.deepEqual([nodes[0]!.icon.codicon, nodes[1]!.icon.codicon], ['clock', 'debug-pause']);
  });

  it('shows every detail in the tooltip, Markdown-escaped', () => {
    const [node] = scheduleNodes(
      [
        schedule({
          id: 'sched_1',
          task: 'daily_report*',
          timezone: 'America/New_York',
          externalId: 'user_`1',
          deduplicationKey: 'k1',
          generator: { type: 'CRON', expression: '0 8 * * *', description: 'At 08:00 AM' },
          lastRun: iso(-60_000),
        }),
      ],
      NOW,
    );
    assert.match(node!.tooltip, /^\*\*daily\\_report\\\*\*\* — active imperative schedule/);
    for (const part of [
      '- cron: `0 8 * * *` (At 08:00 AM)',
      '- time zone: America/New\\_York',
      `- next run: ${iso(3_600_000)}`,
      `- last run: ${iso(-60_000)}`,
      '- id: `sched_1`',
      '- external id: `user_1`',
      '- deduplication key: `k1`',
    ]) {
      assert.ok(node!.tooltip.includes(part), part);
    }
  });

  it('formats the time until a run', () => {
    assert.equal(formatUntil(iso(59_999), NOW), 'in <1m');
    assert.equal(formatUntil(iso(2 * 3_600_000 + 1), NOW), 'in 2h');
    assert.equal(formatUntil(iso(26 * 3_600_000), NOW), 'in 1d');
    assert.equal(formatUntil(null, NOW), '');
    assert.equal(formatUntil(iso(-5000), NOW), 'in <1m');
  });

  it("shows the schedule that triggered a run in the run's tooltip", () => {
    const run = makeRun({ schedule: { id: 'sched_9', generator: { type: 'CRON', expression: '*/5 * * * *', description: 'Every 5 minutes' } } });
    assert.ok(runTooltipMarkdown(run, NOW).includes('- schedule: `sched_9` (`*/5 * * * *`)'));
    assert.ok(!runTooltipMarkdown(makeRun({}), NOW).includes('schedule'));
  });
});
