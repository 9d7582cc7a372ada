/** Anything with a dispose() — vscode.Disposable, child processes wrapped by us, timers. */
export interface IDisposable {
  dispose(): void;
}

export function toDisposable(fn: () => void): IDisposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      fn();
    },
  };
}

/** Disposes every item, in reverse order of registration; collects errors and throws the first at the end. */
export function disposeAll(items: Iterable<IDisposable>): void {
  const list = [...items].reverse();
  let firstError: unknown;
  for (const d of list) {
    try {
      d.dispose();
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError !== undefined) throw firstError;
}

/**
 * Base class of every long-lived object of the extension: it owns the disposables it `_register`s and
 * disposes them with itself. `dispose()` is idempotent; something registered after disposal is disposed
 * at once, so nothing leaks from a late callback.
 */
export abstract class Disposable implements IDisposable {
  private readonly _toDispose = new Set<IDisposable>();
  private _isDisposed = false;

  protected get isDisposed(): boolean {
    return this._isDisposed;
  }

  protected _register<T extends IDisposable>(d: T): T {
    if (this._isDisposed) {
      d.dispose();
    } else {
      this._toDispose.add(d);
    }
    return d;
  }

  dispose(): void {
    if (this._isDisposed) return;
    this._isDisposed = true;
    const items = [...this._toDispose];
    this._toDispose.clear();
    disposeAll(items);
  }
}

/** A minimal event emitter without vscode, for the pure modules (the store, the tree model). */
export class Emitter<T> implements IDisposable {
  private listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): IDisposable => {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }

  dispose(): void {
    this.listeners.clear();
  }
}
