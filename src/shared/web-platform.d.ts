// The few web-standard globals that both of Runlight's runtimes (Node and the webview's browser) provide and that
// src/shared and src/protocol may use. Nothing else outside ES2023 is visible to those two projects: no DOM, no Node.

declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(timer: unknown): void;
declare function structuredClone<T>(value: T): T;
declare function btoa(data: string): string;
declare function atob(data: string): string;

interface AbortSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
