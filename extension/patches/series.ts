/**
 * Threads (Message-ID / In-Reply-To / References) and series (`[PATCH vN M/N]`) from a bag of
 * messages: an mbox of a lore thread, a few .eml files, a whole list archive.
 */
import { parseDiff, splitDescription } from './diff';
import { parseSubject } from './subject';
import { collectTrailers } from './trailers';
import type { MailMessage, ParsedDiff, Patch, Series, SubjectInfo } from './types';

export interface ThreadNode {
  message: MailMessage;
  parent?: ThreadNode;
  /** By date, then input order. */
  children: ThreadNode[];
}

export interface Threads {
  /** Messages whose parent is not in the input, by date then input order. */
  roots: ThreadNode[];
  /** One node per Message-ID: the first message that carries it. */
  byId: Map<string, ThreadNode>;
  /** Later messages with a Message-ID already seen (the same mail twice, cross-posted...). */
  duplicates: MailMessage[];
}

/** The diff reader series use; a parameter so the series logic can be tested on its own. */
export interface DiffReader {
  parseDiff(body: string): ParsedDiff;
  splitDescription(body: string): { description: string; diffText: string };
}

const DIFF_READER: DiffReader = { parseDiff, splitDescription };

/** Patches sent without threading belong together when sent this close in time. */
const LOOSE_WINDOW_MS = 6 * 3600 * 1000;
/** A subject claiming more patches than this is not listed patch by patch as missing. */
const MAX_LISTED_TOTAL = 1000;

/**
 * JWZ-like threading on the messages present: the parent is the last of References (then
 * In-Reply-To, when References do not name it) that is in the input, so a reply to a patch that is
 * missing still hangs under the cover letter it also references.
 */
export function buildThreads(messages: MailMessage[]): Threads {
  const byId = new Map<string, ThreadNode>();
  const duplicates: MailMessage[] = [];
  const order = new Map<ThreadNode, number>();
  for (const message of messages) {
    if (byId.has(message.messageId)) {
      duplicates.push(message);
      continue;
    }
    const node: ThreadNode = { message, children: [] };
    byId.set(message.messageId, node);
    order.set(node, order.size);
  }
  for (const node of byId.values()) {
    const m = node.message;
    const chain = m.inReplyTo !== undefined && !m.references.includes(m.inReplyTo) ? [...m.references, m.inReplyTo] : m.references;
    for (let i = chain.length - 1; i >= 0; i--) {
      const parent = byId.get(chain[i]);
      if (!parent || parent === node || descends(parent, node)) continue;
      node.parent = parent;
      parent.children.push(node);
      break;
    }
  }
  const byDate = (a: ThreadNode, b: ThreadNode): number => compareDates(a.message, b.message) || order.get(a)! - order.get(b)!;
  const roots: ThreadNode[] = [];
  for (const node of byId.values()) {
    node.children.sort(byDate);
    if (!node.parent) roots.push(node);
  }
  roots.sort(byDate);
  return { roots, byId, duplicates };
}

/** True when `node` has `ancestor` above it (a References loop must not make a cycle). */
function descends(node: ThreadNode, ancestor: ThreadNode): boolean {
  for (let n: ThreadNode | undefined = node; n; n = n.parent) if (n === ancestor) return true;
  return false;
}

function compareDates(a: MailMessage, b: MailMessage): number {
  const ta = a.date !== undefined ? Date.parse(a.date) : NaN;
  const tb = b.date !== undefined ? Date.parse(b.date) : NaN;
  if (Number.isNaN(ta) || Number.isNaN(tb)) return Number.isNaN(ta) === Number.isNaN(tb) ? 0 : Number.isNaN(ta) ? 1 : -1;
  return ta - tb;
}

/** A posting of one series being assembled. */
interface Group {
  key: string;
  /** Ids the postings thread under that are not in the input (a cover letter not saved...). */
  absentIds: Set<string>;
  version: number;
  total: number;
  from: string;
  members: ThreadNode[];
  /** No member has thread headers: placed by version, total, sender and date instead. */
  loose: boolean;
}

/**
 * Groups the messages into series: cover letter and patches of one version, other versions linked
 * by title, replies attached to the series (and their trailers to the patch) they descend from.
 */
export function buildSeries(messages: MailMessage[], reader: DiffReader = DIFF_READER): { series: Series[]; strays: MailMessage[]; problems: string[] } {
  const problems: string[] = [];
  const threads = buildThreads(messages);
  for (const d of threads.duplicates) {
    problems.push(`${describe(d)}: Message-ID <${d.messageId}> seen before (${describe(threads.byId.get(d.messageId)!.message)}): ignored`);
  }
  const nodes = [...threads.byId.values()];
  const subjects = new Map<ThreadNode, SubjectInfo>(nodes.map((n) => [n, parseSubject(n.message.subject)]));
  const isPosting = (n: ThreadNode): boolean => {
    const s = subjects.get(n)!;
    return s.isPatch && !s.isReply;
  };

  const groups = groupPostings(nodes.filter(isPosting), subjects, threads);
  const built = groups.map((g) => assemble(g, subjects, reader, problems));

  // Replies: to the nearest posting above them, or to the series whose absent anchor they reference.
  const seriesOf = new Map<ThreadNode, Built>();
  for (const b of built) for (const n of b.group.members) seriesOf.set(n, b);
  const byAbsentAnchor = new Map<string, Built[]>();
  for (const b of built) for (const id of b.group.absentIds) byAbsentAnchor.set(id, [...(byAbsentAnchor.get(id) ?? []), b]);
  const strays: MailMessage[] = [];
  // By date, so a patch's trailers read in the order they were given.
  const byDate = nodes.map((n, i) => [n, i] as const).sort((a, b) => compareDates(a[0].message, b[0].message) || a[1] - b[1]).map(([n]) => n);
  for (const node of byDate) {
    if (isPosting(node)) continue;
    let above: ThreadNode | undefined = node.parent;
    while (above && !isPosting(above)) above = above.parent;
    let target = above ? seriesOf.get(above) : undefined;
    if (!target) {
      const refs = [...node.message.references, ...(node.message.inReplyTo !== undefined ? [node.message.inReplyTo] : [])];
      for (let i = refs.length - 1; i >= 0 && !target; i--) {
        const candidates = byAbsentAnchor.get(refs[i]);
        if (candidates?.length === 1) target = candidates[0];
      }
    }
    if (!target) {
      strays.push(node.message);
      continue;
    }
    target.series.replies.push(node.message);
    const patch = above ? target.patchOf.get(above) : undefined;
    if (patch) patch.trailers.push(...collectTrailers(node.message.body, node.message.messageId));
  }
  for (const b of built) b.series.replies.sort(compareDates);

  linkVersions(built);
  built.sort((a, b) => compareDates(a.first, b.first));
  return { series: built.map((b) => b.series), strays, problems };
}

/**
 * Postings into groups: a posting is with the postings of the same version, total and sender it
 * threads under or that thread under it, and with those threading under the same absent message
 * (the cover letter nobody saved). Unthreaded ones are then placed by sender and time.
 */
function groupPostings(postings: ThreadNode[], subjects: Map<ThreadNode, SubjectInfo>, threads: Threads): Group[] {
  const parent = new Map<string, string>();
  const find = (k: string): string => {
    let r = k;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    for (let n = k; n !== r; ) {
      const next = parent.get(n)!;
      parent.set(n, r);
      n = next;
    }
    return r;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (!parent.has(ra)) parent.set(ra, ra);
    if (ra !== rb) parent.set(rb, ra);
  };
  const seriesKey = (s: SubjectInfo, from: string): string => `${s.version}\0${s.total ?? 1}\0${from}`;
  const keyOf = new Map<ThreadNode, string>();
  const absentOf = new Map<string, string>(); // virtual key -> the absent id

  for (const node of postings) {
    const s = subjects.get(node)!;
    const m = node.message;
    const from = m.from.address.toLowerCase();
    // A lone [PATCH] is a series of its own, even when sent in reply to another series.
    const own = s.index === undefined ? `single\0${m.messageId}` : `msg\0${m.messageId}`;
    keyOf.set(node, own);
    if (!parent.has(own)) parent.set(own, own);
    if (s.index === undefined) continue;
    const chain = m.inReplyTo !== undefined && !m.references.includes(m.inReplyTo) ? [...m.references, m.inReplyTo] : m.references;
    for (const id of chain) {
      const n = threads.byId.get(id);
      if (!n) {
        const virtual = `absent\0${id}\0${seriesKey(s, from)}`;
        absentOf.set(virtual, id);
        union(own, virtual);
        continue;
      }
      const ns = subjects.get(n)!;
      if (n !== node && ns.isPatch && !ns.isReply && ns.index !== undefined && seriesKey(ns, n.message.from.address.toLowerCase()) === seriesKey(s, from)) {
        union(`msg\0${id}`, own);
      }
    }
  }

  const groups = new Map<string, Group>();
  for (const node of postings) {
    const s = subjects.get(node)!;
    const m = node.message;
    const key = find(keyOf.get(node)!);
    let g = groups.get(key);
    if (!g) {
      g = { key, absentIds: new Set(), version: s.version, total: s.total ?? 1, from: m.from.address.toLowerCase(), members: [], loose: s.index !== undefined };
      groups.set(key, g);
    }
    g.members.push(node);
    if (m.references.length > 0 || m.inReplyTo !== undefined) g.loose = false;
  }
  for (const [virtual, id] of absentOf) groups.get(find(virtual))?.absentIds.add(id);
  return mergeLoose([...groups.values()], subjects);
}

/** Unthreaded postings of one version, total and sender, sent close together, are one series. */
function mergeLoose(groups: Group[], subjects: Map<ThreadNode, SubjectInfo>): Group[] {
  const indexes = (g: Group): Set<number> => new Set(g.members.map((n) => subjects.get(n)!.index ?? 1));
  const times = (g: Group): number[] => g.members.map((n) => (n.message.date !== undefined ? Date.parse(n.message.date) : NaN)).filter((t) => !Number.isNaN(t));
  const out: Group[] = [];
  const sorted = [...groups].sort((a, b) => Math.min(...times(a), Infinity) - Math.min(...times(b), Infinity));
  for (const g of sorted) {
    if (!g.loose) {
      out.push(g);
      continue;
    }
    const mine = indexes(g);
    const myTimes = times(g);
    let best: Group | undefined;
    let bestGap = Infinity;
    for (const h of out) {
      if (h.key.startsWith('single\0') || h.version !== g.version || h.total !== g.total || h.from !== g.from) continue;
      const theirs = indexes(h);
      if ([...mine].some((i) => theirs.has(i))) continue;
      const gap = Math.min(...myTimes.flatMap((t) => times(h).map((u) => Math.abs(t - u))), Infinity);
      if (gap <= LOOSE_WINDOW_MS && gap < bestGap) {
        best = h;
        bestGap = gap;
      }
    }
    if (best) best.members.push(...g.members);
    else out.push(g);
  }
  return out;
}

interface Built {
  group: Group;
  series: Series;
  /** Which Patch each posting's replies count for (a duplicate posting counts for the one kept). */
  patchOf: Map<ThreadNode, Patch>;
  /** The cover letter or first patch: the series' date. */
  first: MailMessage;
}

function assemble(group: Group, subjects: Map<ThreadNode, SubjectInfo>, reader: DiffReader, problems: string[]): Built {
  const members = group.members;
  const covers = members.filter((n) => subjects.get(n)!.index === 0);
  const cover = covers[0];
  const byIndex = new Map<number, ThreadNode>();
  const patchOf = new Map<ThreadNode, Patch>();
  const dropped: [ThreadNode, number][] = [];
  for (const n of members) {
    const s = subjects.get(n)!;
    if (s.index === 0) continue;
    const index = s.index ?? 1;
    if (byIndex.has(index)) dropped.push([n, index]);
    else byIndex.set(index, n);
  }
  const patches: Patch[] = [...byIndex.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => {
    const patch = makePatch(n.message, subjects.get(n)!, reader);
    patchOf.set(n, patch);
    return patch;
  });
  // A group has at least one member: a cover letter or a patch.
  const first = cover ? cover.message : patches[0].message;
  const title = cover ? subjects.get(cover)!.title : patches[0].subject.title;
  const name = `"${title}" v${group.version}`;
  for (const extra of covers.slice(1)) {
    problems.push(`series ${name}: a second cover letter ${describe(extra.message)}: kept ${describe(cover.message)}`);
  }
  for (const [n, index] of dropped) {
    const kept = byIndex.get(index)!;
    problems.push(`series ${name}: two messages for patch ${index}/${group.total} (<${kept.message.messageId}>, <${n.message.messageId}>): kept the first`);
    patchOf.set(n, patchOf.get(kept)!);
  }
  for (const index of byIndex.keys()) {
    if (index > group.total) problems.push(`series ${name}: patch ${index}/${group.total} is numbered past the total`);
  }
  const missing: number[] = [];
  if (group.total > MAX_LISTED_TOTAL) problems.push(`series ${name}: a total of ${group.total} patches is not believable; missing ones are not listed`);
  else for (let i = 1; i <= group.total; i++) if (!byIndex.has(i)) missing.push(i);

  const series: Series = {
    id: first.messageId,
    title,
    version: group.version,
    total: group.total,
    cover: cover?.message,
    patches,
    missing,
    otherVersions: [],
    replies: [],
  };
  return { group, series, patchOf, first };
}

function makePatch(message: MailMessage, subject: SubjectInfo, reader: DiffReader): Patch {
  let description = '';
  let diff: ParsedDiff;
  try {
    description = reader.splitDescription(message.body).description;
    diff = reader.parseDiff(message.body);
  } catch (e) {
    // One unreadable patch must not lose the series.
    diff = { files: [], problems: [{ message: `the diff could not be read: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  return { message, subject, description, diff, trailers: collectTrailers(message.body, message.messageId) };
}

/** Versions of one series: same cover/first title, or a patch title shared by the same sender. */
function linkVersions(built: Built[]): void {
  const parent = built.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const seen = new Map<string, number>();
  const join = (key: string, i: number): void => {
    if (key.endsWith('\0')) return; // an empty title says nothing
    const j = seen.get(key);
    if (j === undefined) seen.set(key, i);
    else parent[find(i)] = find(j);
  };
  built.forEach((b, i) => {
    join(`title\0${normalTitle(b.series.title)}`, i);
    for (const p of b.series.patches) join(`patch\0${b.group.from}\0${normalTitle(p.subject.title)}`, i);
  });
  const families = new Map<number, Built[]>();
  built.forEach((b, i) => families.set(find(i), [...(families.get(find(i)) ?? []), b]));
  for (const family of families.values()) {
    for (const b of family) {
      b.series.otherVersions = family.filter((o) => o !== b).map((o) => ({ version: o.series.version, id: o.series.id })).sort((x, y) => x.version - y.version);
    }
  }
}

function normalTitle(title: string): string {
  return title.toLowerCase().replace(/\s+/g, ' ').replace(/[\s.]+$/, '').trim();
}

function describe(m: MailMessage): string {
  const where = m.source.file !== undefined ? `${m.source.file}, message ${m.source.index}` : `message ${m.source.index}`;
  return `"${m.subject}" (${where})`;
}
