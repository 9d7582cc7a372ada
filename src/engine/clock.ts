// The engine's one reading of the wall clock for what it stores: an ISO timestamp.

export function nowIso(): string {
  return new Date().toISOString();
}
