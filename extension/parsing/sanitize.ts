/**
 * Kernel annotations that tree-sitter-c cannot read (`static int __init f(void)` even loses the
 * function name). They are replaced by spaces of the same length, so every byte offset, line and
 * column of the blanked text is the same as in the file the user has open.
 */

/** Annotations written as a bare word. */
const BARE = [
  '__init', '__exit', '__initdata', '__initconst', '__exitdata', '__meminit', '__meminitdata', '__ref', '__refdata',
  '__read_mostly', '__ro_after_init', '__always_inline', '__no_inline', 'noinline', 'noinline_for_stack',
  '__must_check', '__user', '__iomem', '__rcu', '__percpu', '__force', '__bitwise', '__maybe_unused',
  '__always_unused', '__used', '__cold', '__hot', '__weak', '__pure', '__malloc', '__latent_entropy', '__nocfi',
  '__noreturn', 'notrace', '__sched', '__visible', '__flatten', '__deprecated', '__kprobes', '__cacheline_aligned',
  '__cacheline_aligned_in_smp', '____cacheline_aligned', '____cacheline_aligned_in_smp', '__packed', '__safe',
  '__private', '__nocast', '__randomize_layout', '__no_randomize_layout', '__no_sanitize_address', '__noclone',
  '__attribute_const__', '__mm_in_irq', '__lockfunc', '__irq_entry', '__noinstr', 'noinstr', '__context__',
];

/** Annotations that take a parenthesised argument list (which may nest). */
const WITH_ARGS = [
  '__releases', '__acquires', '__must_hold', '__cond_acquires', '__cond_releases', '__acquire', '__release',
  '__attribute__', '__aligned', '__printf', '__scanf', '__section', '__counted_by', '__free', '__guarded_by',
  '__pt_guarded_by', '__alloc_size', '__diagnose_as', '__nonstring', '__cleanup', '__assume_aligned',
];

const bare = new RegExp(`\\b(?:${BARE.join('|')})\\b`, 'g');
const withArgs = new RegExp(`\\b(?:${WITH_ARGS.join('|')})\\s*\\(`, 'g');

function blank(s: string): string {
  // Newlines stay so that line numbers stay; everything else becomes a space.
  return s.replace(/[^\n]/g, ' ');
}

/**
 * `container_of(ptr, struct foo, member)` has a type as an argument, which no C parser reads: the
 * word `struct` is blanked so the argument reads as the identifier `foo`.
 */
const typeArgument = /\b((?:container_of|container_of_const|list_entry|list_first_entry|list_last_entry|list_next_entry|hlist_entry|list_first_entry_or_null)\s*\([^,()]*(?:\([^()]*\)[^,()]*)*,\s*)(struct|union)\b/g;

/**
 * Iterator macros (`list_for_each_entry(pos, head, member) { ... }`, `xa_for_each_range(...) stmt;`)
 * are loops to the reader but calls without a `;` to the parser. Where one starts a line of a body
 * and ends it without `;`, its name becomes `while` padded with spaces: the parser then reads a
 * loop whose condition is the argument list. The interpreter sees the original name in the raw
 * text at the same offset.
 */
const iterator = /^([ \t]+)([A-Za-z_][A-Za-z0-9_]*(?:for_each|foreach)[A-Za-z0-9_]*)(\s*\((?:[^();]|\((?:[^();]|\([^();]*\))*\))*\)[ \t]*(?:\{[ \t]*)?(?:\/\*.*\*\/[ \t]*)?)$/gm;

/** Returns text of the same length with kernel annotations blanked. */
export function blankKernelMacros(text: string): string {
  let out = text
    .replace(bare, blank)
    .replace(typeArgument, (_m, head: string, kw: string) => head + blank(kw))
    .replace(iterator, (_m, indent: string, name: string, rest: string) => indent + 'while' + ' '.repeat(name.length - 5) + rest);
  withArgs.lastIndex = 0;
  let m: RegExpExecArray | null;
  const cuts: [number, number][] = [];
  while ((m = withArgs.exec(out)) !== null) {
    let depth = 0;
    let i = m.index + m[0].length - 1; // at the '('
    for (; i < out.length; i++) {
      const c = out.charCodeAt(i);
      if (c === 40) depth++;
      else if (c === 41 && --depth === 0) break;
    }
    if (depth !== 0) break; // unbalanced: leave the rest alone rather than blank to the end
    cuts.push([m.index, i + 1]);
    withArgs.lastIndex = i + 1;
  }
  if (cuts.length === 0) return out;
  const parts: string[] = [];
  let at = 0;
  for (const [a, b] of cuts) {
    parts.push(out.slice(at, a), blank(out.slice(a, b)));
    at = b;
  }
  parts.push(out.slice(at));
  out = parts.join('');
  return out;
}
