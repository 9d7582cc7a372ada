import { createElement as h, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { useRealtimeRun, useRealtimeRunWithStreams, useRealtimeRunsWithTag, useWaitToken } from '@trigger.dev/react-hooks';
import type { AnyTask } from '@trigger.dev/sdk';

/** A small page on the official React hooks, pointed at the local engine with a Public Access Token. */

const q = new URLSearchParams(location.search);
const baseURL = q.get('baseURL') ?? '';
const accessToken = q.get('token') ?? '';
const runId = q.get('runId') ?? '';
const tag = q.get('tag') ?? '';
const waitToken = q.get('waitToken') ?? '';

declare global {
  interface Window {
    statuses: string[];
    errors: string[];
  }
}
window.statuses = [];
window.errors = [];

function useReportError(where: string, error: Error | undefined): void {
  useEffect(() => {
    if (error) window.errors.push(`${where}: ${error.message}`);
  }, [where, error]);
}

function RunStatus() {
  const { run, error } = useRealtimeRun(runId, { accessToken, baseURL });
  useReportError('useRealtimeRun', error);
  useEffect(() => {
    if (run && window.statuses.at(-1) !== run.status) window.statuses.push(run.status);
  }, [run?.status]);
  return h('p', { id: 'run-status' }, run?.status ?? 'loading');
}

function RunStreams() {
  const { run, streams, error } = useRealtimeRunWithStreams<AnyTask, { answer: string; reasoning: string }>(runId, { accessToken, baseURL });
  useReportError('useRealtimeRunWithStreams', error);
  return h(
    'section',
    null,
    h('p', { id: 'streams-status' }, run?.status ?? 'loading'),
    h('p', { id: 'reasoning' }, (streams.reasoning ?? []).join('|')),
    h('p', { id: 'answer' }, (streams.answer ?? []).join('')),
  );
}

function Tagged() {
  const { runs, error } = useRealtimeRunsWithTag(tag, { accessToken, baseURL });
  useReportError('useRealtimeRunsWithTag', error);
  return h(
    'ul',
    { id: 'tagged' },
    runs.map((r) => h('li', { key: r.id, 'data-id': r.id, 'data-status': r.status }, `${r.taskIdentifier} ${r.status}`)),
  );
}

/** Approves the wait token with the token-scoped Public Access Token `wait.createToken` gave. */
function Approve() {
  const { complete, isCompleted, isReady, error } = useWaitToken(waitToken, { accessToken, baseURL });
  useReportError('useWaitToken', error);
  return h(
    'section',
    null,
    h('button', { id: 'approve', disabled: !isReady || isCompleted, onClick: () => complete({ approved: true, by: 'browser' }) }, 'Approve'),
    h('p', { id: 'token-state' }, isCompleted ? 'completed' : 'open'),
  );
}

const main = waitToken ? h('main', null, h(Approve)) : h('main', null, h(RunStatus), h(RunStreams), h(Tagged));
createRoot(document.getElementById('root')!).render(main);
