// What a WAITING run waits on, in words: the same in the tree, the run panel and the terminal. Pure.

/** The shape of the run object's `waitingFor` (src/protocol/run.ts defines and checks it). */
export type WaitTarget = { kind: 'time'; until: string } | { kind: 'runs'; runIds: readonly string[] } | { kind: 'token'; tokenId: string };

/** "token waitpoint_…", "2 runs", "1 run", "until 2026-01-01T00:05:00.000Z". */
export function describeWait(w: WaitTarget): string {
  switch (w.kind) {
    case 'token':
      return `token ${w.tokenId}`;
    case 'runs':
      return `${w.runIds.length} run${w.runIds.length === 1 ? '' : 's'}`;
    case 'time':
      return `until ${w.until}`;
  }
}

/** The token a run waits on, if it waits on one. */
export function waitedToken(w: WaitTarget | undefined): string | undefined {
  return w?.kind === 'token' ? w.tokenId : undefined;
}
