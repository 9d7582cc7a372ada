export * from './run';
export * from './api';
export * from './chunk';
export * from './ipc';
export * from './sse';
export * from './auth';
export * from './routes';
export * from './webview';
