import type { CliIo, OpenTree } from './common';

/** Files whose parse left most of the text unreadable get a warning, not silence. */
const UNREADABLE_WARNING = 0.5;

/** `kpsim index`: what the index holds, and every place the parser could not read. */
export function runIndex({ index }: OpenTree, json: boolean, io: CliIo): number {
  const functions = index.files.reduce((n, f) => n + f.functions.length, 0);
  const problems = index.files.flatMap((f) => f.problems.map((p) => ({ file: f.path, ...p })));
  const failures = index.files.filter((f) => f.failure).map((f) => ({ file: f.path, failure: f.failure }));
  const unreadable = index.files.filter((f) => f.unreadable > UNREADABLE_WARNING).map((f) => f.path);
  if (json) {
    io.out(JSON.stringify({
      tree: index.root, backend: index.backend, seconds: index.seconds,
      files: index.files.map((f) => ({ path: f.path, bytes: f.bytes, functions: f.functions.map((fn) => ({ name: fn.name, startLine: fn.startLine, endLine: fn.endLine })), problems: f.problems.length, unreadable: f.unreadable, failure: f.failure })),
      totals: { files: index.files.length, functions, problems: problems.length },
      problems, failures, unreadable,
    }, null, 2));
    return 0;
  }
  io.out(`${index.root}: ${index.files.length} files, ${functions} functions, ${problems.length} parse errors, ${index.seconds.toFixed(2)} s (${index.backend})`);
  for (const p of problems) io.out(`${p.file}:${p.line}: ${p.kind === 'missing' ? p.text : `cannot parse: ${p.text}`}`);
  for (const f of failures) io.err(`kpsim: ${f.file}: ${f.failure}`);
  for (const f of unreadable) io.err(`kpsim: ${f}: most of the file could not be parsed as C`);
  return 0;
}
