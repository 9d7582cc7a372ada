import type { Run } from '../protocol/run';
/** Tree item description: "Executing · 10s · 1m ago". Durations of live runs are shown in steps of
 * 5 s (none under 5 s), so the tree repaints a live run at most every 5 s. */
export declare function runDescription(run: Run, now: number): string;
/** Escapes text for a Markdown tooltip (no HTML is enabled there, but keep `*_[]` literal). */
export declare function escapeMarkdown(text: string): string;
/** The Markdown tooltip of a run node: id, status, tags, batch, times, error message. */
export declare function runTooltipMarkdown(run: Run, now: number): string;
