export * from './run';
export * from './api';
export * from './chunk';
export * from './ipc';
export * from './sse';
