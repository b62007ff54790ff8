import { main } from '../../extension/cli/main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the kpsim CLI in-process and captures what it prints. */
export async function kpsim(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const io = { out: (t: string) => void (out += t.endsWith('\n') ? t : `${t}\n`), err: (t: string) => void (err += t.endsWith('\n') ? t : `${t}\n`) };
  try {
    return { code: await main(args, io), out, err };
  } catch (e) {
    return { code: -1, out, err: err + String(e) };
  }
}
