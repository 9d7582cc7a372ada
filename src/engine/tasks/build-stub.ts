// `@trigger.dev/build` in a trigger.config file, for a config whose `build` field Runlight does not apply.
import { readFileSync } from 'node:fs';
import type { Plugin } from 'esbuild-wasm';

const BUILD_IMPORT = /^@trigger\.dev\/build(\/.*)?$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `@trigger.dev/build` (build extensions such as `prismaExtension`) in a config file: each name the file imports
 * becomes a function returning a placeholder, so a config with build extensions loads whether or not the package
 * is installed (its `build` field is not applied anyway).
 */
export const buildExtensionsStub: Plugin = {
  name: 'runlight-build-stub',
  setup(build) {
    build.onResolve({ filter: BUILD_IMPORT }, (args) => ({ path: args.path, namespace: 'runlight-build-stub', pluginData: { importer: args.importer } }));
    build.onLoad({ filter: /.*/, namespace: 'runlight-build-stub' }, (args) => {
      const importer = (args.pluginData as { importer?: string } | undefined)?.importer;
      let source = '';
      try {
        source = importer ? readFileSync(importer, 'utf8') : '';
      } catch {
        // no names then
      }
      const names = new Set<string>();
      const named = new RegExp(`import\\s*(?:type\\s+)?(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}\\s*from\\s*["']${escapeRegExp(args.path)}["']`, 'g');
      for (const m of source.matchAll(named)) {
        for (const part of m[1]!.split(',')) {
          const name = part
            .trim()
            .replace(/^type\s+/, '')
            .split(/\s+as\s+/)[0]!
            .trim();
          if (/^[A-Za-z_$][\w$]*$/.test(name) && name !== 'default') names.add(name);
        }
      }
      const stub = (name: string) => `(...args) => ({ name: ${JSON.stringify(name)}, ignoredByRunlight: true, args })`;
      const contents = [...names].map((n) => `export const ${n} = ${stub(n)};`).join('\n') + `\nexport default ${stub('default')};\n`;
      return { loader: 'js', contents };
    });
  },
};
