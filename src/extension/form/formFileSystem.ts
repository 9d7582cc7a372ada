import * as vscode from 'vscode';
import { Disposable } from '../lifecycle';

interface Entry {
  data: Uint8Array;
  ctime: number;
  mtime: number;
}

/**
 * The trigger forms' documents (`runlight-form:/<task id>.json`): kept in memory for the window's life, so a form is an
 * ordinary editor tab (undo, Save, dirty marker) without a file on disk. Folders exist implicitly (a task id may
 * contain "/").
 */
export class FormFileSystem extends Disposable implements vscode.FileSystemProvider {
  private readonly files = new Map<string, Entry>();
  private readonly changed = this._register(new vscode.EventEmitter<vscode.FileChangeEvent[]>());
  readonly onDidChangeFile = this.changed.event;

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  private isFolder(path: string): boolean {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    return path === '/' || [...this.files.keys()].some((p) => p.startsWith(prefix));
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const f = this.files.get(uri.path);
    if (f) return { type: vscode.FileType.File, ctime: f.ctime, mtime: f.mtime, size: f.data.byteLength };
    if (this.isFolder(uri.path)) return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const prefix = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    const out = new Map<string, vscode.FileType>();
    for (const p of this.files.keys()) {
      if (!p.startsWith(prefix)) continue;
      const [name, ...rest] = p.slice(prefix.length).split('/');
      if (name) out.set(name, rest.length ? vscode.FileType.Directory : vscode.FileType.File);
    }
    return [...out];
  }

  createDirectory(): void {
    // folders exist implicitly
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const f = this.files.get(uri.path);
    if (!f) throw vscode.FileSystemError.FileNotFound(uri);
    return f.data;
  }

  writeFile(uri: vscode.Uri, content: Uint8Array): void {
    const now = Date.now();
    const existing = this.files.get(uri.path);
    this.files.set(uri.path, { data: content, ctime: existing?.ctime ?? now, mtime: Math.max(now, (existing?.mtime ?? 0) + 1) });
    this.changed.fire([{ type: existing ? vscode.FileChangeType.Changed : vscode.FileChangeType.Created, uri }]);
  }

  delete(uri: vscode.Uri): void {
    if (!this.files.delete(uri.path)) throw vscode.FileSystemError.FileNotFound(uri);
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  rename(): void {
    throw vscode.FileSystemError.NoPermissions('A trigger form cannot be renamed.');
  }

  has(uri: vscode.Uri): boolean {
    return this.files.has(uri.path);
  }
}
