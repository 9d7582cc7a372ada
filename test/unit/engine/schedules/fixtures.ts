/** Task files of the schedule tests: declarative and imperative scheduled tasks beside a plain task in one file. */
export const SCHEDULE_TASKS: Record<string, string> = {
  'trigger/scheduled.ts': `
import { schedules, task } from "@trigger.dev/sdk";

const describe = (p: any) => ({
  scheduleId: p.scheduleId,
  type: p.type,
  timestamp: p.timestamp instanceof Date ? p.timestamp.toISOString() : "not a Date: " + String(p.timestamp),
  lastTimestamp: p.lastTimestamp === undefined ? null : p.lastTimestamp instanceof Date ? p.lastTimestamp.toISOString() : "not a Date",
  timezone: p.timezone,
  externalId: p.externalId ?? null,
  upcoming: p.upcoming.map((d: unknown) => (d instanceof Date ? d.toISOString() : "not a Date")),
});

export const everyMinute = schedules.task({
  id: "every-minute",
  cron: "* * * * *",
  run: async (payload) => describe(payload),
});

export const tokyo = schedules.task({
  id: "tokyo-5am",
  cron: { pattern: "0 5 * * *", timezone: "Asia/Tokyo" },
  run: async () => "ok",
});

export const prodOnly = schedules.task({
  id: "prod-only",
  cron: { pattern: "0 0 * * *", environments: ["PRODUCTION"] },
  run: async () => "ok",
});

export const reminder = schedules.task({
  id: "reminder",
  run: async (payload) => describe(payload),
});

export const plain = task({ id: "plain", run: async () => 1 });
`,
};
