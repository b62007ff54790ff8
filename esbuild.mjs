// Bundles the extension (node, cjs), its index and simulation workers, the CLI and the webview (browser), and copies
// the tree-sitter .wasm files from their npm packages into grammars/.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, chmodSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');

mkdirSync('grammars', { recursive: true });
copyFileSync(require.resolve('web-tree-sitter/web-tree-sitter.wasm'), 'grammars/web-tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), 'grammars/tree-sitter-c.wasm');

const node = {
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', sourcemap: !production, minify: production,
  // The ESM build of web-tree-sitter reads import.meta.url, which is empty in a CJS bundle.
  alias: { 'web-tree-sitter': './node_modules/web-tree-sitter/web-tree-sitter.cjs' },
  // vscode is the host's; the native tree-sitter binding is optional and loaded only if installed.
  external: ['vscode', 'tree-sitter', 'tree-sitter-c'],
  logLevel: 'warning',
};

await Promise.all([
  esbuild.build({ ...node, entryPoints: { extension: 'extension/activate.ts', indexWorker: 'extension/parsing/indexWorker.ts', simulateWorker: 'extension/run/simulateWorker.ts', exploreWorker: 'extension/run/exploreWorker.ts', compareWorker: 'extension/run/compareWorker.ts' }, outdir: 'dist' }),
  esbuild.build({ ...node, entryPoints: { cli: 'extension/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
  esbuild.build({
    bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: !production, minify: production,
    entryPoints: { webview: 'webview/main.ts', panel: 'webview/panel.ts' }, outdir: 'dist', logLevel: 'warning',
  }),
]);
chmodSync('dist/cli.js', 0o755);

// Extension-host tests (run by @vscode/test-cli in code-server): only when asked.
if (process.argv.includes('--tests')) {
  await esbuild.build({
    ...node, entryPoints: { index: 'test/integration/index.ts', 'extension.test': 'test/integration/extension.test.ts', 'debug.test': 'test/integration/debug.test.ts', 'panel.test': 'test/integration/panel.test.ts', 'review.test': 'test/integration/review.test.ts', 'explore.test': 'test/integration/explore.test.ts' },
    outdir: 'out/test/integration', external: ['vscode', 'mocha'],
  });
}
