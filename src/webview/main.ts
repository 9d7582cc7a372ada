/** Run panel webview entry: wires the page, VS Code's webview API and the app (app.ts). */
import { RunPanelApp } from './app';
import { HostBridge, errorMessage, type PersistedState } from './host';
import { warmUpMarkdown } from './markdown';

const pageRunId = document.body.dataset.runId;
const host = new HostBridge(acquireVsCodeApi<PersistedState>(), pageRunId);
const app = new RunPanelApp(document.getElementById('app')!, host, pageRunId);

window.addEventListener('message', (event: MessageEvent<unknown>) => app.receive(event.data));
window.addEventListener('error', (e) => host.send({ type: 'error', message: errorMessage(e.message) }));
setInterval(() => app.tick(), 1000);

host.save();
host.send({ type: 'ready' });
requestIdleCallback(() => warmUpMarkdown(), { timeout: 2000 });
