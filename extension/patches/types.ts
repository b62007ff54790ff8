/**
 * The data of patch review, shared by the mail reader, the diff parser/applier, reply placement,
 * the CLI and the VS Code review UI. Plain data only: it crosses worker boundaries and is saved.
 */

export interface MailAddress {
  name: string;
  address: string;
}

/** One message, decoded (MIME, charsets, format=flowed) to its text/plain body. */
export interface MailMessage {
  /** Without the angle brackets; a synthetic `kpsim-<hash>@local` when the header is missing. */
  messageId: string;
  inReplyTo?: string;
  /** Oldest first, without angle brackets. */
  references: string[];
  subject: string;
  from: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  /** ISO 8601, or undefined when the Date header is missing or unreadable. */
  date?: string;
  /** The text/plain body, `\n` line ends. */
  body: string;
  /** What was wrong but survivable: missing headers, unknown charset, truncated part. */
  warnings: string[];
  /** Where it came from: the file and the message's position in it (0 for a single .eml). */
  source: { file?: string; index: number };
}

/** What a subject line says: `[PATCH v2 3/12] mm/rmap: ...`, `Re: [PATCH ...]`. */
export interface SubjectInfo {
  /** True for `[PATCH ...]`, `[RFC PATCH ...]`, `[PATCH RESEND ...]` and friends. */
  isPatch: boolean;
  isReply: boolean;
  /** Words of the bracket other than PATCH / vN / M/N (RFC, RESEND, net-next, mm-unstable ...). */
  tags: string[];
  /** 1 when no vN is given. */
  version: number;
  /** M of M/N; 0 is the cover letter. Undefined for a single patch without M/N. */
  index?: number;
  total?: number;
  /** The subject without `Re:` and the bracket. */
  title: string;
}

/** `Reviewed-by: Name <addr>` and friends, from a patch or from a reply to it. */
export interface Trailer {
  key: string;
  value: string;
  /** The message that carries it. */
  messageId: string;
}

/** One `@@ -a,b +c,d @@ section` hunk as the diff package reads it. */
export interface Hunk {
  /** For a side with no lines (count 0) the diff package stores the header's number + 1. */
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** The text after the second `@@` (git's function context), trimmed. */
  section: string;
  /** Lines with their ' ', '-', '+' or '\\' marker. */
  lines: string[];
}

export type FileChange = 'modify' | 'add' | 'delete' | 'rename' | 'binary';

/** One file of a diff. Paths are tree-relative (the a/ and b/ prefixes removed). */
export interface FilePatch {
  /** The path the change applies to (the new path for a rename, the old one for a delete). */
  path: string;
  oldPath?: string;
  newPath?: string;
  change: FileChange;
  hunks: Hunk[];
  /** Hunks of the diff that could not be read (why, per hunk): the file is listed but never applied. */
  malformed?: string[];
}

/** A diff found in a message, with what could not be read. */
export interface ParsedDiff {
  files: FilePatch[];
  /** Files refused or unreadable: paths leaving the tree, binary diffs, malformed hunks. */
  problems: { path?: string; message: string }[];
}

/** One patch of a series: the message, its subject, its diff and trailers. */
export interface Patch {
  message: MailMessage;
  subject: SubjectInfo;
  /** The commit message (the body above the `---` line). */
  description: string;
  diff: ParsedDiff;
  /** Trailers in the patch itself and in the replies to it. */
  trailers: Trailer[];
}

/** A series: `[PATCH vN 0/N]` cover letter (if any) and patches 1..N of one version. */
export interface Series {
  /** Stable key: the Message-ID of the cover letter, or of the first patch. */
  id: string;
  title: string;
  version: number;
  total: number;
  cover?: MailMessage;
  /** Ordered by index. */
  patches: Patch[];
  /** Indexes 1..total with no message in the input. */
  missing: number[];
  /** Other versions of the same series found in the input (by title), by Message-ID of their id. */
  otherVersions: { version: number; id: string }[];
  /** Replies anywhere in the series' threads (not patches themselves). */
  replies: MailMessage[];
}

/** How one hunk applied to the tree's text. */
export interface HunkResult {
  /** Index in FilePatch.hunks. */
  hunk: number;
  applied: boolean;
  /** Lines between where the hunk said it goes and where it went (0 = exact). */
  offset: number;
  /** Context lines that were allowed to differ (0 = exact). */
  fuzz: number;
  /** 1-based first line of the hunk in the pre image and in the post image, when applied. */
  oldLine?: number;
  newLine?: number;
  /** Why it did not apply. */
  reason?: string;
}

export type FileStatus = 'applied' | 'failed' | 'missing' | 'refused' | 'binary';

export interface FileResult {
  path: string;
  change: FileChange;
  status: FileStatus;
  /** Human-readable, when the status is not 'applied'. */
  reason?: string;
  hunks: HunkResult[];
  /** Pre and post images (undefined when there is none: new file / deleted / failed). */
  before?: string;
  after?: string;
}

export interface PatchResult {
  /** True only when every file and hunk applied; otherwise nothing of this patch is used. */
  ok: boolean;
  files: FileResult[];
  /** Set when the patch was not tried (an earlier patch of the series did not apply), with why. */
  notTried?: boolean;
  reason?: string;
}

/** Reads the tree the patches apply to: text of a tree-relative path, undefined when absent. */
export interface TreeReader {
  read(rel: string): string | undefined;
}

/** A reviewer's remark placed on a line of a patch: from a reply, or typed in VS Code. */
export interface PlacedComment {
  /** Which file of the patch (FilePatch.path) and which hunk. */
  path: string;
  hunk: number;
  /** Index in Hunk.lines of the last quoted line the remark follows. */
  line: number;
  /** Side of the diff that line belongs to: '-' lines are 'old', others 'new'. */
  side: 'old' | 'new';
  author: MailAddress;
  date?: string;
  text: string;
  /** The reply it came from (undefined for the user's own). */
  messageId?: string;
}
