// IANA time zones as the JavaScript runtime knows them (Intl), for schedules: Trigger.dev's `schedules.timezones()`
// lists them with "UTC" first, and a schedule's `timezone` must be one of them.

let byLowerCase: Map<string, string> | undefined;

/**
 * The name to keep for an IANA time zone, or undefined when it is unknown: the listed spelling when it differs only in
 * case (`"europe/london"` → `"Europe/London"`), else the name as given when the runtime knows it (`"Asia/Kolkata"`
 * stays so, though ICU lists its older name `"Asia/Calcutta"`).
 */
export function canonicalTimezone(name: string): string | undefined {
  if (name.trim() === '') return undefined;
  if (name.toUpperCase() === 'UTC') return 'UTC';
  byLowerCase ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  const listed = byLowerCase.get(name.toLowerCase());
  if (listed) return listed;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name }).format(0);
    return name;
  } catch {
    return undefined;
  }
}

/** Every supported time zone, "UTC" first unless `excludeUtc`. */
export function supportedTimezones(excludeUtc = false): string[] {
  const zones = Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC');
  return excludeUtc ? zones : ['UTC', ...zones];
}
