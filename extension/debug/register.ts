/**
 * The kpsim debugger in VS Code: the inline debug adapter (session.ts) with a host that runs the
 * scenario in the simulation worker, the launch configuration provider, and the "Debug this path"
 * lens and palette commands. Every stop is announced on `ctx.traceStep` (the panel follows).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { Commands, isSimulatePathArgs } from '../commands/table';
import { pickScenario, scenarioForFunction } from '../commands/scenarioPick';
import { currentTreeRoot, kernelRootOf } from '../commands/tree';
import { SCENARIOS, scenarioById } from '../engine/scenarios/catalog';
import { verdict } from '../engine/trace/ascii';
import { otherNames } from '../parsing/lookup';
import { simulateInWorker } from '../run/simulateClient';
import { DEBUG_TYPE, type KpsimDebugHost, KpsimDebugSession, type KpsimLaunchArguments } from './session';

/** The host side of a session: the worker runs the scenario, with progress and a cancel button. */
function debugHost(ctx: Ctx): KpsimDebugHost {
  return {
    modelDir: path.join(ctx.extension.extensionPath, 'extension', 'engine', 'model', 'kpsim'),
    simulate: async (args, log) => {
      const lookup = await ctx.lookup(args.tree);
      const title = scenarioById(args.scenario)?.title;
      const { result } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Simulating ${title ? `"${title}"` : args.scenario} on ${path.basename(args.tree)} for the debugger`, cancellable: true },
        (progress, token) =>
          simulateInWorker(
            path.join(ctx.extension.extensionPath, 'dist', 'simulateWorker.js'),
            { root: args.tree, grammarDir: ctx.grammarDir, index: lookup.index, scenario: args.scenario, options: { views: true, driver: args.driver, schedule: Array.isArray(args.schedule) ? args.schedule.map(String) : undefined } },
            (message) => progress.report({ message }),
            token,
          ),
      );
      ctx.output.info(`debug session: ${args.scenario} on ${args.tree}: ${verdict(result)}, ${result.stats.steps} steps`);
      const unsaved = vscode.workspace.textDocuments
        .filter((d) => d.isDirty && d.uri.scheme === 'file' && /\.[ch]$/.test(d.uri.fsPath) && !path.relative(args.tree, d.uri.fsPath).startsWith('..'))
        .map((d) => path.relative(args.tree, d.uri.fsPath).split(path.sep).join('/'));
      if (unsaved.length) log(`kpsim: replaying the saved files; the unsaved changes in ${unsaved.join(', ')} are not in this trace`);
      return result;
    },
    onStop: (where) => ctx.traceStep.fire(where),
  };
}

/** launch.json: fills what F5 without a configuration, or a partial one, leaves out. */
class KpsimConfigurationProvider implements vscode.DebugConfigurationProvider {
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    return [{ type: DEBUG_TYPE, request: 'launch', name: 'Kernel Path Simulator: exclusive-then-cpu-write', tree: '${workspaceFolder}', scenario: 'exclusive-then-cpu-write' }];
  }

  async resolveDebugConfiguration(_folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): Promise<vscode.DebugConfiguration | undefined> {
    if (!config.type && !config.request && !config.name) {
      config.type = DEBUG_TYPE;
      config.request = 'launch';
      config.name = 'Kernel Path Simulator';
    }
    if (typeof config.tree !== 'string' || !config.tree) {
      const root = currentTreeRoot();
      if (!root) {
        void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first, or set "tree" in the launch configuration.');
        return undefined;
      }
      config.tree = root;
    }
    if (typeof config.scenario !== 'string' || !config.scenario) {
      const id = await pickScenario(SCENARIOS, `Scenario to step through on ${path.basename(String(config.tree))}`);
      if (!id) return undefined;
      config.scenario = id;
    }
    if (!scenarioById(config.scenario as string)) {
      void vscode.window.showErrorMessage(`Kernel Path Simulator: unknown scenario '${String(config.scenario)}'; the scenarios are: ${SCENARIOS.map((s) => s.id).join(', ')}.`);
      return undefined;
    }
    return config;
  }

  resolveDebugConfigurationWithSubstitutedVariables(folder: vscode.WorkspaceFolder | undefined, config: vscode.DebugConfiguration): vscode.DebugConfiguration {
    // A relative tree is relative to the workspace folder.
    config.tree = path.resolve(folder?.uri.fsPath ?? process.cwd(), String(config.tree));
    return config;
  }
}

/** Starts a kpsim debug session; resolves to whether it started. */
function startSession(root: string, config: Omit<KpsimLaunchArguments, 'tree'> & { name: string }): Thenable<boolean> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(root));
  return vscode.debug.startDebugging(folder, { type: DEBUG_TYPE, request: 'launch', tree: root, ...config });
}

/**
 * "Debug this path" (code lens): the scenario that enters at the function (a quick pick when
 * several do, all of them when none does), as a debug session that stops at the function's first
 * call or at an earlier breakpoint.
 */
export async function debugPath(arg: unknown): Promise<boolean> {
  if (!isSimulatePathArgs(arg)) return debugScenario();
  const uri = vscode.Uri.parse(arg.uri);
  const root = kernelRootOf(uri);
  if (!root) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: ${uri.fsPath} is not inside a kernel tree (no mm/ above it) or a workspace folder.`);
    return false;
  }
  const id = arg.scenario ?? (await scenarioForFunction(arg.name, root, 'step through'));
  if (id === undefined) return false;
  if (!scenarioById(id)) {
    void vscode.window.showErrorMessage(`Kernel Path Simulator: unknown scenario '${id}'.`);
    return false;
  }
  return startSession(root, { name: `Debug ${arg.name}: ${id}`, scenario: id, stopAtFunction: [arg.name, ...otherNames(arg.name)] });
}

/** Palette: pick a scenario and step through it on the current tree (from its first step or breakpoint). */
export async function debugScenario(): Promise<boolean> {
  const root = currentTreeRoot();
  if (!root) {
    void vscode.window.showErrorMessage('Kernel Path Simulator: open a kernel tree (a folder with mm/) first.');
    return false;
  }
  const id = await pickScenario(SCENARIOS, `Scenario to step through on ${path.basename(root)}`);
  if (!id) return false;
  return startSession(root, { name: `Debug ${id}`, scenario: id });
}

export function registerDebug(ctx: Ctx): vscode.Disposable {
  const host = debugHost(ctx);
  return vscode.Disposable.from(
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new KpsimDebugSession(host)),
    }),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new KpsimConfigurationProvider()),
    vscode.commands.registerCommand(Commands.debugPath, (arg: unknown) => debugPath(arg)),
    vscode.commands.registerCommand(Commands.debugScenario, () => debugScenario()),
  );
}
