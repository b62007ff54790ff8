// @vscode/test-cli, with code-server driven by chromium standing in for the VS Code executable
// (there is no desktop VS Code to download here): see test/e2e/vscode-shim.mjs.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  files: 'out/test/integration/**/*.test.js',
  workspaceFolder: './examples',
  useInstallation: { fromPath: './test/e2e/vscode-shim.mjs' },
  mocha: { ui: 'tdd', timeout: 60000 },
});
