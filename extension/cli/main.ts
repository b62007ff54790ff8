import { parseArgs } from 'util';
import { runIndex } from './indexCommand';
import { runLocate } from './locateCommand';
import { type CliIo, CliError, processIo, withParser, withTree } from './common';
import { runCompare } from './compareCommand';
import { runExplore } from './exploreCommand';
import { runB4Check, runReview } from './reviewCommand';
import { runScenarios, runSimulate } from './simulateCommand';
import { createParserService } from '../parsing/load';
import pkg from '../../package.json';

const USAGE = `kpsim ${pkg.version}: Kernel Path Simulator on the command line

usage:
  kpsim locate --tree DIR [--json] NAME...   where each function is defined (follows renames)
  kpsim index  --tree DIR [--json]           files, functions and parse errors of a tree
  kpsim scenarios [--json]                   the scenarios the engine runs
  kpsim simulate --tree DIR --scenario ID [--json|--ascii] [--out FILE] [--schedule dev0,cpu1,...]
                 [--driver auto|test_hmm|nouveau|kpsim] [--choice timeout=1 ...] [--views]
                                             run the tree's own code in a scenario; exit 1 if a
                                             check fails, 2 if a call is not modelled; --views
                                             records what VS Code's simulation panel draws
  kpsim explore --tree DIR (--scenario ID[,ID...] | --all) [--shard I/N] [--jobs N] [--json]
                [--out FILE] [--max-states N] [--max-seconds S] [--max-depth N]
                [--max-preemptions N] [--driver auto|test_hmm|nouveau|kpsim] [--no-known]
                                             every interleaving of the scenario's threads within
                                             the bounds, the invariants checked at each step;
                                             each violation with its counterexample (--json: its
                                             trace, with views). --shard 2/3: every 3rd scenario
                                             from the 2nd; --jobs: worker threads (default: one
                                             per core). Known findings in the trees' own code
                                             (README) are listed apart; --no-known counts them as
                                             violations. Exit 0 no violation and complete, 1 a
                                             violation (or a scenario the tree cannot run), 3 a
                                             bound hit without a violation
  kpsim compare --tree DIR --patch FILE [--patch FILE...] [--scenario ID[,ID...] | --all]
                [--json] [--out DIR] [--jobs N] [--max-... and --driver as for explore]
                                             every scenario (or those named) on the tree and on
                                             the tree with the patches applied in memory, in
                                             order: new and fixed violations, counterexamples,
                                             changed behaviour; --out DIR writes each new
                                             violation's trace to DIR/SCENARIO-INVARIANT.json.
                                             Exit 1 the patches add a violation (or break a
                                             scenario), 0 not, 2 a patch does not apply
  kpsim review FILE [--tree DIR] [--json]    the series, patches, files, hunks and functions of a
                                             .patch/.diff/.mbox/.eml file (gzip too); with --tree,
                                             each patch applied in memory on top of the ones before
                                             it: offsets, fuzz, what does not apply (exit 1)
  kpsim b4-check [--tree DIR]                one RFC 2822 message on stdin, b4's CI-check JSON out
                                             ([{tool, status, summary, url, details}]); the tree
                                             defaults to the current directory when it has mm/
  kpsim --version                            version and the parser backend in use

options:
  --backend auto|wasm|native   tree-sitter runtime (default auto: native binding if it loads)
`;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tree: { type: 'string' },
      json: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'auto' },
      version: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      scenario: { type: 'string' },
      ascii: { type: 'boolean', default: false },
      out: { type: 'string' },
      schedule: { type: 'string' },
      driver: { type: 'string', default: 'auto' },
      choice: { type: 'string', multiple: true },
      'allow-unmodelled': { type: 'boolean', default: false },
      views: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      shard: { type: 'string' },
      jobs: { type: 'string' },
      patch: { type: 'string', multiple: true },
      'max-states': { type: 'string' },
      'max-seconds': { type: 'string' },
      'max-depth': { type: 'string' },
      'max-preemptions': { type: 'string' },
      'no-known': { type: 'boolean', default: false },
    },
  });
  const backend = values.backend;
  if (backend !== 'auto' && backend !== 'wasm' && backend !== 'native') throw new CliError(`--backend must be auto, wasm or native, not '${backend}'`);
  if (values.version) {
    const parser = await createParserService(backend);
    io.out(`kpsim ${pkg.version} (parser: ${parser.backend.description})`);
    parser.dispose();
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    io.out(USAGE);
    return command || values.help ? 0 : 64;
  }
  switch (command) {
    case 'locate':
      return withTree(values.tree, backend, (t) => runLocate(t, rest, values.json, io));
    case 'index':
      return withTree(values.tree, backend, (t) => runIndex(t, values.json, io));
    case 'scenarios':
      return runScenarios(values.json, io);
    case 'review':
      return withParser(backend, (parser) => runReview(parser, rest[0], { tree: values.tree, json: values.json }, io));
    case 'b4-check': {
      const raw = await (io.stdin ?? processIo.stdin!)();
      return withParser(backend, (parser) => runB4Check(parser, raw, { tree: values.tree }, io));
    }
    case 'simulate':
      if (values.json && values.ascii) throw new CliError('--json and --ascii exclude each other');
      return withTree(values.tree, backend, (t) =>
        runSimulate(t, { scenario: values.scenario, json: values.json, out: values.out, allowUnmodelled: values['allow-unmodelled'], schedule: values.schedule, driver: values.driver, choices: values.choice, views: values.views }, io));
    case 'explore':
    case 'compare': {
      const bounds = { maxStates: values['max-states'], maxSeconds: values['max-seconds'], maxDepth: values['max-depth'], maxPreemptions: values['max-preemptions'], driver: values.driver, noKnown: values['no-known'] };
      const select = { scenario: values.scenario, all: values.all, shard: values.shard, jobs: values.jobs };
      return command === 'explore'
        ? withTree(values.tree, backend, (t) => runExplore(t, { ...bounds, ...select, json: values.json, out: values.out, backend }, io))
        : withTree(values.tree, backend, (t) => runCompare(t, { ...bounds, ...select, patches: values.patch ?? [], json: values.json, out: values.out, backend }, io));
    }
    default:
      throw new CliError(`unknown command '${command}'\n\n${USAGE}`);
  }
}

if (require.main === module) {
  // `kpsim index | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
  });
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      const usage = e instanceof CliError || (e instanceof Error && e.name.startsWith('ERR_PARSE_ARGS')) || (e instanceof TypeError && 'code' in e);
      process.stderr.write(`kpsim: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = usage ? 64 : 1;
    },
  );
}
