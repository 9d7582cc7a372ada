// The Runlight test harness: a real VS Code (code-server 4.100.3 or 4.139.1, see vscodeHost) and a real browser (Chromium).
export * from './paths';
export * from './process';
export * from './codeServer';
export * from './browser';
export * from './workbench';
export * from './payload';
export * from './workspace';
export * from './memory';
export * from './extensionTests';
export * from './model';
export * from './timingProxy';
export * from './sse';
export type { BrowserContext, Frame, FrameLocator, Locator, Page } from 'playwright-core';
