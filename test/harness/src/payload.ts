// The workbench URL that runs extension tests: VS Code's browser-test `payload` route.

export interface TestUrlOptions {
  /** http://127.0.0.1:PORT of the code-server. */
  baseUrl: string;
  /** Absolute path of the folder to open. */
  folder: string;
  /** Absolute path of the extension under development (its package.json folder). */
  extensionDevelopmentPath: string;
  /** Absolute path of the compiled test index (with or without `.js`). */
  extensionTestsPath: string;
}

function remoteUri(baseUrl: string, absPath: string): string {
  const host = new URL(baseUrl).host;
  return `vscode-remote://${host}${absPath.split('/').map(encodeURIComponent).join('/')}`;
}

export function extensionTestUrl(o: TestUrlOptions): string {
  const payload = [
    ['extensionDevelopmentPath', remoteUri(o.baseUrl, o.extensionDevelopmentPath)],
    ['extensionTestsPath', remoteUri(o.baseUrl, o.extensionTestsPath.replace(/\.js$/, ''))],
    ['skipWelcome', 'true'],
  ];
  const url = new URL(o.baseUrl);
  url.searchParams.set('folder', o.folder);
  url.searchParams.set('payload', JSON.stringify(payload));
  return url.toString();
}

/** The plain workbench URL for a folder. */
export function workbenchUrl(baseUrl: string, folder: string): string {
  const url = new URL(baseUrl);
  url.searchParams.set('folder', folder);
  return url.toString();
}
