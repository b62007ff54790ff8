/**
 * `Reviewed-by:` and friends in a patch or in a reply: only the lines the sender wrote themselves
 * (not quoted with '>'), and only above the patch's diff.
 */
import type { Trailer } from './types';

/** The trailers the kernel's process documents, in their usual spelling. */
const KNOWN = ['Reviewed-by', 'Acked-by', 'Tested-by', 'Signed-off-by', 'Reported-by', 'Suggested-by', 'Co-developed-by', 'Fixes', 'Cc', 'Link', 'Closes'];
const CANONICAL = new Map(KNOWN.map((k) => [k.toLowerCase(), k]));
/** `Key: value` at the start of a line; any `Something-by:` counts too (Requested-by, Debugged-by...). */
const LINE = /^([A-Za-z][A-Za-z-]*)[ \t]*:[ \t]*(\S.*?)\s*$/;

export function collectTrailers(body: string, messageId: string): Trailer[] {
  const out: Trailer[] = [];
  for (const line of body.split(/\r?\n/)) {
    // Past these lines comes the diff, the diffstat or a signature, where `Cc:` means nothing.
    if (line.trimEnd() === '---' || line.startsWith('diff --git ') || line === '-- ') break;
    if (line.startsWith('>')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const key = CANONICAL.get(m[1].toLowerCase()) ?? (/-by$/i.test(m[1]) ? m[1] : undefined);
    if (key !== undefined) out.push({ key, value: m[2], messageId });
  }
  return out;
}
