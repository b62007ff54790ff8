import { main } from '../../extension/cli/main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** An empty run and the io that fills its out/err, one line per print. */
function capture(): { run: CliRun; io: { out(t: string): void; err(t: string): void } } {
  const run: CliRun = { code: 0, out: '', err: '' };
  const line = (t: string): string => (t.endsWith('\n') ? t : `${t}\n`);
  return { run, io: { out: (t) => void (run.out += line(t)), err: (t) => void (run.err += line(t)) } };
}

/** Runs the kpsim CLI in-process and captures what it prints. */
export async function kpsim(...args: string[]): Promise<CliRun> {
  const { run, io } = capture();
  try {
    run.code = await main(args, io);
    return run;
  } catch (e) {
    return { code: -1, out: run.out, err: run.err + String(e) };
  }
}

/** Like kpsim, but what main throws (a usage error is a CliError) is thrown, for assert.rejects. */
export async function kpsimOrThrow(...args: string[]): Promise<CliRun> {
  const { run, io } = capture();
  run.code = await main(args, io);
  return run;
}
