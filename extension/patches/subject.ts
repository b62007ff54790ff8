/**
 * What a subject line says about a patch posting: `Re: [mm-unstable] [RFC PATCH v2 03/12] mm: x`.
 */
import type { SubjectInfo } from './types';

/** Reply / forward prefixes, with the `Re[2]:` and `Re: ` spellings some clients use. */
const REPLY_PREFIX = /^(re|aw|sv|antw|vs|odp|fwd?|wg|tr)(?:\[\d+\])?\s*:\s*/i;
const VERSION = /^v(\d+)$/i;
/** `PATCHv2`, `PATCH-v2`: the version glued to the word. */
const PATCH_VERSION = /^patch(?:es)?[-_]?v(\d+)$/i;
const INDEX = /^(\d+)\/(\d+)$/;

export function parseSubject(subject: string): SubjectInfo {
  let rest = subject.replace(/\s+/g, ' ').trim();
  let isReply = false;
  const listTags: string[] = [];
  const info: SubjectInfo = { isPatch: false, isReply: false, tags: [], version: 1, title: '' };

  // Prefixes and brackets before the patch bracket, in any order: `Re: [list] Re: [PATCH ...]`.
  for (;;) {
    const reply = REPLY_PREFIX.exec(rest);
    if (reply) {
      isReply = true;
      rest = rest.slice(reply[0].length);
      continue;
    }
    const bracket = /^\[([^\]]*)\]\s*/.exec(rest);
    if (!bracket) break;
    const words = bracket[1].split(/[\s,]+/).filter((w) => w !== '');
    if (isPatchBracket(words)) {
      readPatchBracket(words, info);
      info.isPatch = true;
      rest = rest.slice(bracket[0].length);
      break;
    }
    listTags.push(...words);
    rest = rest.slice(bracket[0].length);
  }

  info.isReply = isReply;
  if (!info.isPatch) {
    // Not a posting: keep brackets like `[GIT PULL]` in the title, they are what it says.
    info.title = subject.replace(/\s+/g, ' ').trim();
    while (REPLY_PREFIX.test(info.title)) info.title = info.title.replace(REPLY_PREFIX, '');
    info.tags = [];
    return info;
  }
  info.tags = [...listTags, ...info.tags];
  info.title = rest.trim();
  return info;
}

function isPatchBracket(words: string[]): boolean {
  return words.some((w) => /^patch(?:es)?$/i.test(w) || PATCH_VERSION.test(w) || /^rfc$/i.test(w) || INDEX.test(w));
}

function readPatchBracket(words: string[], info: SubjectInfo): void {
  for (const w of words) {
    let m: RegExpExecArray | null;
    if (/^patch(?:es)?$/i.test(w)) continue;
    if ((m = PATCH_VERSION.exec(w)) || (m = VERSION.exec(w))) {
      info.version = Number(m[1]);
    } else if ((m = INDEX.exec(w))) {
      info.index = Number(m[1]);
      info.total = Number(m[2]);
    } else {
      info.tags.push(w);
    }
  }
}
