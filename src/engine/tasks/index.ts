/** Task discovery, bundling (esbuild-wasm) and indexing for the engine. */
export { discoverTaskFiles, findTaskDirs, workspaceRelative } from './discover';
export { TaskBundler, bundleTasks, bundleTaskFile, bundlePathFor, SDK_IMPORT, SDK_GLOBAL, type BundleResult } from './bundle';
export { indexTasks, indexBundle, findIdLine, type IndexBundle, type IndexReply, type IndexResult } from './indexer';
export { watchTasks, type TaskWatcher, type WatchOptions } from './watch';
export { TaskCatalog, type TaskCatalogOptions } from './catalog';
export { loadWorkspaceEnv, WORKSPACE_ENV_FILES } from './env';
export { esbuildLocation } from './esbuild';
export { forkTaskWorker, workerReady, indexOnWorker, loadConfigOnWorker, defaultWorkerScript, type ForkWorkerOptions } from './worker-process';
export { findConfigFile, withConfigDefaults, type ConfigReply, type ConfigState, type LoadConfigBundle } from './config';
