/** Auto-scroll: follow the end of a stream while the reader is at the bottom; stop when they scroll up. */
export interface ScrollMetrics {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

export const BOTTOM_SLACK_PX = 24;

export function isAtBottom(m: ScrollMetrics, slack = BOTTOM_SLACK_PX): boolean {
  return m.scrollHeight - m.scrollTop - m.clientHeight <= slack;
}
