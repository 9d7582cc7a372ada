import { randomBytes } from 'node:crypto';

/** A fresh script nonce for every render of a panel. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export interface PanelHtmlOptions {
  /** `webview.cspSource` */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  runId: string;
  title: string;
  /** The workspace folder: the webview links the stack frames of files under it. */
  workspaceRoot?: string;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Strict CSP: nothing but our own stylesheet/font/script (the script only with this render's nonce). */
export function panelCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `script-src 'nonce-${nonce}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function renderPanelHtml(o: PanelHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(panelCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.codiconsUri)}">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>${esc(o.title)}</title>
</head>
<body data-run-id="${esc(o.runId)}"${o.workspaceRoot ? ` data-workspace-root="${esc(o.workspaceRoot)}"` : ''}>
<div id="app"><p class="loading" role="status">Loading run ${esc(o.runId)}…</p></div>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}
