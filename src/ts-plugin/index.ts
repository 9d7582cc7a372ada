/**
 * The TypeScript server plugin Runlight contributes to VS Code (`contributes.typescriptServerPlugins`). Task files
 * import `@trigger.dev/sdk` (or `runlight/sdk`); where the workspace does not have the package installed, the import
 * resolves to the declarations of Runlight's SDK shipped beside this file (`dist/sdk-types/`), so task files
 * type-check in the editor either way. An installed package always wins: the plugin only answers imports that
 * TypeScript could not resolve.
 */
import { join } from 'node:path';
import type * as ts from 'typescript/lib/tsserverlibrary';
import { SDK_IMPORT } from '../shared/sdkImport';

type Ts = typeof ts;
type Resolve = NonNullable<ts.LanguageServiceHost['resolveModuleNameLiterals']>;

/** The declarations' entry, written by the build (scripts/sdk-types.mjs). */
const SDK_TYPES = join(__dirname, 'sdk-types', 'sdk', 'index.d.ts');

function create(info: ts.server.PluginCreateInfo, typescript: Ts): ts.LanguageService {
  const host = info.languageServiceHost;
  const original = host.resolveModuleNameLiterals?.bind(host);
  if (!original) return info.languageService;
  const patched: Resolve = (literals, ...rest) =>
    original(literals, ...rest).map((result, i) => {
      if (result.resolvedModule || !SDK_IMPORT.test(literals[i]?.text ?? '')) return result;
      return {
        resolvedModule: { resolvedFileName: SDK_TYPES, extension: typescript.Extension.Dts, isExternalLibraryImport: true, resolvedUsingTsExtension: false },
      };
    });
  host.resolveModuleNameLiterals = patched;
  return info.languageService;
}

/** The factory tsserver calls (the package's `module.exports`). */
export function init(modules: { typescript: Ts }): ts.server.PluginModule {
  return { create: (info) => create(info, modules.typescript) };
}
