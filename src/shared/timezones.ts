// IANA time zones as the JavaScript runtime knows them (Intl), for schedules: Trigger.dev's `schedules.timezones()`
// lists them with "UTC" first, and a schedule's `timezone` must be one of them.

/** The canonical name of an IANA time zone (`"europe/london"` → `"Europe/London"`), or undefined when it is unknown. */
export function canonicalTimezone(name: string): string | undefined {
  if (name.trim() === '') return undefined;
  if (name.toUpperCase() === 'UTC') return 'UTC';
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Every supported time zone, "UTC" first unless `excludeUtc`. */
export function supportedTimezones(excludeUtc = false): string[] {
  const zones = Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC');
  return excludeUtc ? zones : ['UTC', ...zones];
}
