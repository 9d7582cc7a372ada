/**
 * Imports that mean "the SDK" in a task file: the engine's bundler resolves them to the worker's SDK, and the editor's
 * TypeScript plugin to the SDK's declarations.
 */
export const SDK_IMPORT = /^(@trigger\.dev\/sdk(\/v3)?|runlight(\/sdk)?)$/;
