import type { Run } from '../../protocol/run';
import type { LogChunk } from '../../protocol/sse';
import type { RunTimeline } from '../../protocol/timeline';
import type { ChildRuns, WebviewToHost } from '../../protocol/webview';
import { h } from '../dom';
import { LogMarks, ROW_H, layoutTimeline, type TimelineBar, type TimelineLayout } from '../timeline';

const SVG = 'http://www.w3.org/2000/svg';
/** Room left of the plot for the lane labels. */
const GUTTER = 76;

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string> = {}): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** Sets an attribute only when it changes (a redraw of an unchanged strip touches nothing). */
function attr(e: Element, name: string, value: string): void {
  if (e.getAttribute(name) !== value) e.setAttribute(name, value);
}

const px = (n: number): string => String(Math.round(n * 10) / 10);

export interface TimelineData {
  run: Run | null;
  timeline: RunTimeline | undefined;
  children: ChildRuns;
  logs: readonly LogChunk[];
}

/**
 * The timeline strip, `#timeline` (hidden until the run is known): one SVG with a lane per kind — attempts (after
 * the time queued), waits, child runs, log marks — over a time axis from the run's creation. DOM contract:
 *   #timeline > svg.timeline-svg[role=group][aria-describedby=timeline-summary]
 *     g.tl-lane[data-lane=attempts|waits|children|logs] > text.tl-lane-label
 *     rect.tl-bar.tl-queued | .tl-attempt[data-attempt][data-outcome] | .tl-wait[data-kind] |
 *       .tl-child[data-run-id][data-status] (focusable; click or Enter opens its panel), each with a <title>
 *     path.tl-logs[data-level=info|warn|error]     one mark per few pixels with log lines
 *     g.tl-axis > line + text.tl-tick             offsets from the run's creation; line.tl-now while live
 *   p#timeline-summary                            the strip in words, under it (and its description for screen readers)
 * Text enters only as text nodes. Bars keep their element across redraws (by key); only changed attributes are set.
 */
export class TimelineView {
  private readonly summary = h('p', { id: 'timeline-summary', className: 'timeline-summary' });
  private readonly plot = h('div', { className: 'timeline-plot' });
  private readonly svgEl = svg('svg', { class: 'timeline-svg', role: 'group', 'aria-label': 'Run timeline', 'aria-describedby': 'timeline-summary' });
  private readonly axis = svg('g', { class: 'tl-axis' });
  private readonly laneGroups = new Map<string, SVGGElement>();
  private readonly bars = new Map<string, SVGRectElement>();
  private readonly logPaths = new Map<string, SVGPathElement>();
  private readonly nowLine = svg('line', { class: 'tl-now' });
  private readonly marks = new LogMarks();
  private width = 0;
  private data: TimelineData | undefined;
  /** The time live bars end at: moves once a second (tick), not every frame. */
  private now = 0;
  private live = false;
  private last: { key: string; timeline: RunTimeline | undefined; children: ChildRuns } | undefined;
  private ticksKey = '';
  readonly root = h('section', { id: 'timeline', attrs: { hidden: '', 'aria-labelledby': 'timeline-title' } }, [
    h('h2', { id: 'timeline-title', className: 'section-title', text: 'Timeline' }),
    this.plot,
    this.summary,
  ]);

  constructor(private readonly send: (message: WebviewToHost) => void) {
    this.svgEl.append(this.axis);
    this.plot.append(this.svgEl);
    this.svgEl.addEventListener('click', (e) => this.openFrom(e.target));
    this.svgEl.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        if (this.openFrom(e.target)) e.preventDefault();
      }
    });
    // The plot's width comes from layout; read it only when it changes (never in a frame that writes).
    new ResizeObserver((entries) => {
      const w = Math.floor(entries[entries.length - 1]!.contentRect.width);
      if (w !== this.width) {
        this.width = w;
        this.draw();
      }
    }).observe(this.plot);
  }

  /** New data (the run, its timeline, children or logs may have changed). */
  show(data: TimelineData): void {
    this.data = data;
    if (!this.now) this.now = Date.now();
    this.draw();
  }

  /** Every second: a live strip's open bars grow to the new now. */
  tick(now: number): void {
    this.now = now;
    if (this.live) this.draw();
  }

  private draw(): void {
    const d = this.data;
    if (!d?.run) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    if (this.width <= GUTTER + 20) return;
    // The same inputs as the last draw (a metadata-only change of the run, a tick of a finished one): nothing to do.
    const r = d.run;
    const key = [
      r.id,
      r.status,
      r.createdAt,
      r.startedAt,
      r.finishedAt,
      r.attemptCount,
      r.delayedUntil,
      r.status === 'WAITING' ? JSON.stringify(r.waitingFor) : '',
      this.width,
      d.logs.length,
      this.live ? this.now : 0,
    ].join('|');
    if (this.last && key === this.last.key && d.timeline === this.last.timeline && d.children === this.last.children) return;
    this.last = { key, timeline: d.timeline, children: d.children };
    const layout = layoutTimeline({ run: r, timeline: d.timeline, children: d.children, logs: d.logs, now: this.now, width: this.width - GUTTER }, this.marks);
    this.live = layout.live;
    this.render(layout);
  }

  private render(l: TimelineLayout): void {
    attr(this.svgEl, 'width', String(l.width + GUTTER));
    attr(this.svgEl, 'height', String(l.height));
    attr(this.svgEl, 'viewBox', `0 0 ${l.width + GUTTER} ${l.height}`);
    if (this.summary.textContent !== l.summary) this.summary.textContent = l.summary;

    // Lanes (a group each, translated right of the gutter).
    const seenLanes = new Set<string>();
    for (const lane of l.lanes) {
      seenLanes.add(lane.id);
      let g = this.laneGroups.get(lane.id);
      if (!g) {
        g = svg('g', { class: 'tl-lane', 'data-lane': lane.id });
        const label = svg('text', { class: 'tl-lane-label', x: '0' });
        label.textContent = lane.label;
        g.append(label);
        this.laneGroups.set(lane.id, g);
        this.svgEl.insertBefore(g, this.axis);
      }
      attr(g.firstChild as Element, 'y', px(lane.y + ROW_H - 2));
    }
    for (const [id, g] of this.laneGroups) {
      if (seenLanes.has(id)) continue;
      g.remove();
      this.laneGroups.delete(id);
      for (const [k, b] of this.bars) if (b.dataset.lane === id) this.bars.delete(k);
      if (id === 'logs') this.logPaths.clear();
    }

    // Bars, kept by key.
    const seen = new Set<string>();
    for (const b of l.bars) {
      seen.add(b.key);
      let rect = this.bars.get(b.key);
      if (!rect) {
        rect = this.newBar(b);
        this.bars.set(b.key, rect);
        this.laneGroups.get(b.lane)!.append(rect);
      }
      attr(rect, 'x', px(GUTTER + b.x));
      attr(rect, 'y', px(b.y));
      attr(rect, 'width', px(b.w));
      attr(rect, 'height', px(b.h));
      attr(rect, 'data-tone', b.tone);
      attr(rect, 'data-open', b.open ? 'true' : 'false');
      for (const [k, v] of Object.entries(b.data)) attr(rect, `data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v);
      if (b.kind === 'child') attr(rect, 'aria-label', b.label);
      const title = rect.firstChild as SVGTitleElement;
      if (title.textContent !== b.label) title.textContent = b.label;
    }
    for (const [k, rect] of this.bars) {
      if (seen.has(k)) continue;
      rect.remove();
      this.bars.delete(k);
    }

    // Log marks: one path per level.
    const logs = this.laneGroups.get('logs');
    if (logs) {
      for (const level of ['info', 'warn', 'error'] as const) {
        let p = this.logPaths.get(level);
        if (!p) {
          p = svg('path', { class: 'tl-logs', 'data-level': level });
          const title = svg('title');
          p.append(title);
          this.logPaths.set(level, p);
          logs.append(p);
        }
        const xs = l.marks[level];
        attr(p, 'd', xs.map((x) => `M${px(GUTTER + x + 1)} ${px(l.marksY)}v${l.marksH}`).join(''));
        const n = level === 'info' ? l.marks.lines - l.marks.warnings - l.marks.errors : level === 'warn' ? l.marks.warnings : l.marks.errors;
        const title = p.firstChild as SVGTitleElement;
        const text = `${n} ${level === 'info' ? 'log line' : level === 'warn' ? 'warning' : 'error'}${n === 1 ? '' : 's'}`;
        if (title.textContent !== text) title.textContent = text;
      }
    }

    // Axis: ticks (rebuilt only when they change) and the "now" line.
    const ticksKey = `${l.height}|${l.ticks.map((t) => `${Math.round(t.x)}:${t.label}`).join(',')}`;
    if (ticksKey !== this.ticksKey) {
      this.ticksKey = ticksKey;
      const els: SVGElement[] = [];
      const axisY = l.height - 16;
      for (const t of l.ticks) {
        const x = px(GUTTER + t.x);
        els.push(svg('line', { class: 'tl-grid', x1: x, x2: x, y1: '0', y2: px(axisY + 3) }));
        const anchor = t.x < 12 ? 'start' : t.x > l.width - 12 ? 'end' : 'middle';
        const label = svg('text', { class: 'tl-tick', x, y: px(axisY + 13), 'text-anchor': anchor });
        label.textContent = t.label;
        els.push(label);
      }
      this.axis.replaceChildren(...els, this.nowLine);
    }
    if (l.nowX !== undefined) {
      const x = px(GUTTER + l.nowX);
      attr(this.nowLine, 'x1', x);
      attr(this.nowLine, 'x2', x);
      attr(this.nowLine, 'y1', '0');
      attr(this.nowLine, 'y2', px(l.height - 13));
      this.nowLine.removeAttribute('display');
    } else attr(this.nowLine, 'display', 'none');
  }

  private newBar(b: TimelineBar): SVGRectElement {
    const rect = svg('rect', { class: `tl-bar tl-${b.kind}`, rx: '2' });
    rect.dataset.lane = b.lane;
    rect.append(svg('title'));
    if (b.runId) {
      attr(rect, 'role', 'button');
      attr(rect, 'tabindex', '0');
    } else attr(rect, 'role', 'img');
    return rect;
  }

  /** A click or Enter on a child run's bar: the host opens its panel (it checks the run is one it listed). */
  private openFrom(target: EventTarget | null): boolean {
    const el = target instanceof Element ? target.closest('rect.tl-child') : null;
    const runId = el?.getAttribute('data-run-id');
    if (!runId) return false;
    this.send({ type: 'openRun', runId });
    return true;
  }
}
