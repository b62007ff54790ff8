/**
 * Compiles a C function definition (tree-sitter AST) to the bytecode of code.ts. Covers the C the
 * mm paths use: declarations and initializer lists, every expression form, if/while/do/for/switch,
 * goto and labels, break/continue/return, calls by name and through pointers, and #if blocks in
 * bodies (decided by the model's kernel config). What it cannot compile becomes an `unsupported`
 * instruction that reports file:line when executed.
 */
import type { SyntaxNode } from '../../parsing/syntax';
import type { BinOp, Code, Instr, LocalInit, UnOp } from './code';

/** CONFIG_ options the model assumes set (a reviewer's typical x86-64 config). */
export const KERNEL_CONFIG: Readonly<Record<string, boolean>> = {
  CONFIG_MMU: true, CONFIG_TRANSPARENT_HUGEPAGE: true, CONFIG_DEVICE_PRIVATE: true, CONFIG_MEM_SOFT_DIRTY: true,
  CONFIG_PTE_MARKER_UFFD_WP: true, CONFIG_USERFAULTFD: true, CONFIG_MIGRATION: true, CONFIG_MMU_NOTIFIER: true,
  CONFIG_SWAP: true, CONFIG_NUMA_BALANCING: false, CONFIG_DEBUG_VM: false, CONFIG_ARCH_HAS_PTE_SPECIAL: true,
  CONFIG_HMM_MIRROR: true, CONFIG_ZONE_DEVICE: true, CONFIG_PER_VMA_LOCK: true, CONFIG_HUGETLB_PAGE: true,
};

/** Macros that declare their first argument (`DEFINE_FOLIO_VMA_WALK(pvmw, ...)`). */
const DECLARING = new Set(['DECLARE_WAITQUEUE', 'DEFINE_FOLIO_VMA_WALK', 'DEFINE_PAGE_VMA_WALK', 'DEFINE_WAIT', 'LIST_HEAD', 'DEFINE_MUTEX']);

/** Macros that are the value of their argument. */
const TRANSPARENT = new Set(['likely', 'unlikely', 'READ_ONCE', 'data_race', '__pa', 'rcu_dereference', 'rcu_access_pointer']);

const BINOPS = new Set(['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '==', '!=', '<', '>', '<=', '>=']);

export class Compiler {
  private readonly instrs: Instr[] = [];
  private readonly lines: number[] = [];
  private readonly locals = new Map<string, LocalInit>();
  private readonly labels = new Map<string, number>();
  private readonly gotos: { at: number; label: string }[] = [];
  private readonly breaks: number[][] = [];
  private readonly continues: number[][] = [];
  private line = 0;
  private tmp = 0;

  /** @param raw the file's text before blanking: iterator macros are recognised by their real name. */
  constructor(private readonly file: string, private readonly raw?: string) {}

  compileFunction(def: SyntaxNode, name: string, bodyHash: string): Code {
    let d = def.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
    const params: string[] = [];
    for (const p of d?.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type !== 'parameter_declaration') continue;
      const pname = declName(p.childForFieldName('declarator'));
      if (!pname) continue;
      params.push(pname);
      this.locals.set(pname, { k: 'scalar' });
    }
    const body = def.childForFieldName('body');
    this.line = def.startPosition.row + 1;
    if (body) this.stmt(body);
    this.line = def.endPosition.row + 1;
    this.emit({ op: 'line', line: this.line });
    this.emit({ op: 'ret', value: false });
    for (const g of this.gotos) {
      const to = this.labels.get(g.label);
      const ins = this.instrs[g.at];
      if (to === undefined) this.instrs[g.at] = { op: 'unsupported', what: `goto ${g.label}: no such label` };
      else if (ins.op === 'jmp') ins.to = to;
    }
    return {
      key: `${this.file}:${name}@${bodyHash}`, name, file: this.file, params,
      startLine: def.startPosition.row + 1, endLine: def.endPosition.row + 1,
      instrs: this.instrs, lines: this.lines,
    };
  }

  private emit(i: Instr): number {
    this.instrs.push(i);
    this.lines.push(this.line);
    return this.instrs.length - 1;
  }

  private get pc(): number {
    return this.instrs.length;
  }

  private patch(at: number, to = this.pc): void {
    const i = this.instrs[at];
    if (i.op === 'jmp' || i.op === 'jz' || i.op === 'jnz') i.to = to;
  }

  private unsupported(n: SyntaxNode, what = n.type): void {
    this.emit({ op: 'unsupported', what: `${what}: ${n.text.split('\n')[0].slice(0, 60)}` });
  }

  // ---- statements ----

  private stmt(n: SyntaxNode): void {
    switch (n.type) {
      case 'comment':
      case ';':
      case '{':
      case '}':
        return;
      case 'compound_statement':
        for (const c of n.namedChildren) this.stmt(c);
        return;
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_else':
      case 'preproc_elif':
        this.preproc(n);
        return;
      case 'preproc_call':
      case 'preproc_def':
      case 'preproc_function_def':
        return;
    }
    this.line = n.startPosition.row + 1;
    this.emit({ op: 'line', line: this.line });
    switch (n.type) {
      case 'declaration':
        this.declaration(n);
        return;
      case 'expression_statement': {
        const e = n.namedChildren.find((c) => c.type !== 'comment');
        if (!e) return;
        if (e.type === 'call_expression' && DECLARING.has(e.childForFieldName('function')?.text ?? '')) {
          this.declaringMacro(e);
          return;
        }
        this.value(e);
        this.emit({ op: 'pop' });
        return;
      }
      case 'if_statement': {
        this.value(n.childForFieldName('condition')!);
        const jz = this.emit({ op: 'jz', to: -1 });
        this.stmt(n.childForFieldName('consequence')!);
        const alt = n.childForFieldName('alternative');
        if (alt) {
          const jmp = this.emit({ op: 'jmp', to: -1 });
          this.patch(jz);
          this.stmt(alt.type === 'else_clause' ? alt.namedChildren.find((c) => c.type !== 'comment')! : alt);
          this.patch(jmp);
        } else this.patch(jz);
        return;
      }
      case 'while_statement': {
        const macro = this.iteratorName(n);
        if (macro) return this.iterator(n, macro);
        const top = this.pc - 1; // the line instruction: each iteration is a step of the trace
        this.value(n.childForFieldName('condition')!);
        const jz = this.emit({ op: 'jz', to: -1 });
        this.loopBody(n.childForFieldName('body')!, top, top);
        this.patch(jz);
        this.endLoop();
        return;
      }
      case 'do_statement': {
        const top = this.pc;
        this.breaks.push([]);
        this.continues.push([]);
        this.stmt(n.childForFieldName('body')!);
        const cont = this.pc;
        this.value(n.childForFieldName('condition')!);
        this.emit({ op: 'jnz', to: top });
        for (const c of this.continues.pop()!) this.patch(c, cont);
        for (const b of this.breaks.pop()!) this.patch(b);
        return;
      }
      case 'for_statement': {
        const init = n.childForFieldName('initializer');
        if (init?.type === 'declaration') this.declaration(init);
        else if (init) {
          this.value(init);
          this.emit({ op: 'pop' });
        }
        const top = this.emit({ op: 'line', line: this.line });
        const cond = n.childForFieldName('condition');
        let jz = -1;
        if (cond) {
          this.value(cond);
          jz = this.emit({ op: 'jz', to: -1 });
        }
        this.breaks.push([]);
        this.continues.push([]);
        this.stmt(n.childForFieldName('body')!);
        const cont = this.pc;
        this.line = n.startPosition.row + 1;
        const update = n.childForFieldName('update');
        if (update) {
          this.value(update);
          this.emit({ op: 'pop' });
        }
        this.emit({ op: 'jmp', to: top });
        if (jz >= 0) this.patch(jz);
        for (const c of this.continues.pop()!) this.patch(c, cont);
        for (const b of this.breaks.pop()!) this.patch(b);
        return;
      }
      case 'switch_statement':
        this.switchStmt(n);
        return;
      case 'return_statement': {
        const e = n.namedChildren.find((c) => c.type !== 'comment');
        if (e) this.value(e);
        this.emit({ op: 'ret', value: Boolean(e) });
        return;
      }
      case 'goto_statement':
        this.gotos.push({ at: this.emit({ op: 'jmp', to: -1 }), label: n.childForFieldName('label')!.text });
        return;
      case 'labeled_statement': {
        this.labels.set(n.childForFieldName('label')!.text, this.pc - 1);
        const inner = n.namedChildren.filter((c) => c.type !== 'statement_identifier' && c.type !== 'comment');
        for (const c of inner) this.stmt(c);
        return;
      }
      case 'break_statement': {
        const b = this.breaks.at(-1);
        if (!b) return this.unsupported(n, 'break outside a loop');
        b.push(this.emit({ op: 'jmp', to: -1 }));
        return;
      }
      case 'continue_statement': {
        const c = this.continues.at(-1);
        if (!c) return this.unsupported(n, 'continue outside a loop');
        c.push(this.emit({ op: 'jmp', to: -1 }));
        return;
      }
      default:
        this.unsupported(n);
    }
  }

  /** The iterator macro a `while` stands for (sanitize.ts renames them), if it is one. */
  private iteratorName(n: SyntaxNode): string | undefined {
    if (!this.raw || this.raw.startsWith('while', n.startIndex)) return undefined;
    return /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.raw.slice(n.startIndex, n.startIndex + 80))?.[0];
  }

  /**
   * `xa_for_each_range(xa, index, entry, first, last) body;` and other iterator macros: a loop
   * whose step is the primitive NAME__next(args..., first_time). Identifier arguments are passed
   * by address (the iterator assigns them), the others by value.
   */
  private iterator(n: SyntaxNode, name: string): void {
    const cond = n.childForFieldName('condition')!;
    const args: SyntaxNode[] = [];
    const flatten = (e: SyntaxNode): void => {
      if (e.type === 'parenthesized_expression') return flatten(e.namedChildren[0]);
      if (e.type === 'comma_expression') {
        flatten(e.childForFieldName('left')!);
        flatten(e.childForFieldName('right')!);
        return;
      }
      args.push(e);
    };
    flatten(cond);
    const first = `__iter${this.tmp++}`;
    this.locals.set(first, { k: 'scalar' });
    this.emit({ op: 'decl', name: first, init: { k: 'scalar' } });
    this.emit({ op: 'local', name: first });
    this.emit({ op: 'push', v: 1 });
    this.emit({ op: 'store' });
    this.emit({ op: 'pop' });
    const top = this.emit({ op: 'line', line: this.line });
    for (const a of args) {
      if (a.type === 'identifier' && this.locals.has(a.text)) this.emit({ op: 'local', name: a.text });
      else this.value(a);
    }
    this.emit({ op: 'local', name: first });
    this.emit({ op: 'load' });
    this.emit({ op: 'call', name: `${name}__next`, argc: args.length + 1 });
    const jz = this.emit({ op: 'jz', to: -1 });
    this.emit({ op: 'local', name: first });
    this.emit({ op: 'push', v: 0 });
    this.emit({ op: 'store' });
    this.emit({ op: 'pop' });
    this.loopBody(n.childForFieldName('body')!, top, top);
    this.patch(jz);
    this.endLoop();
  }

  private loopBody(body: SyntaxNode, top: number, cont: number): void {
    const loopLine = this.line;
    this.breaks.push([]);
    this.continues.push([]);
    this.stmt(body);
    this.line = loopLine; // the back edge belongs to the loop statement (where a loop bound is reported)
    this.emit({ op: 'jmp', to: top });
    for (const c of this.continues.at(-1)!) this.patch(c, cont);
  }

  private endLoop(): void {
    this.continues.pop();
    for (const b of this.breaks.pop()!) this.patch(b);
  }

  private switchStmt(n: SyntaxNode): void {
    const tmp = `__switch${this.tmp++}`;
    this.locals.set(tmp, { k: 'scalar' });
    this.emit({ op: 'decl', name: tmp, init: { k: 'scalar' } });
    this.emit({ op: 'local', name: tmp });
    this.value(n.childForFieldName('condition')!);
    this.emit({ op: 'store' });
    this.emit({ op: 'pop' });
    const cases = (n.childForFieldName('body')?.namedChildren ?? []).filter((c) => c.type === 'case_statement');
    const jumps: { at: number; c: SyntaxNode }[] = [];
    let deflt: SyntaxNode | undefined;
    for (const c of cases) {
      const v = c.childForFieldName('value');
      if (!v) {
        deflt = c;
        continue;
      }
      this.emit({ op: 'local', name: tmp });
      this.emit({ op: 'load' });
      this.value(v);
      this.emit({ op: 'bin', o: '==' });
      jumps.push({ at: this.emit({ op: 'jnz', to: -1 }), c });
    }
    const toDefault = this.emit({ op: 'jmp', to: -1 });
    this.breaks.push([]);
    const starts = new Map<SyntaxNode, number>();
    for (const c of cases) {
      starts.set(c, this.pc);
      const v = c.childForFieldName('value');
      for (const s of c.namedChildren) if (!same(s, v)) this.stmt(s);
    }
    for (const j of jumps) this.patch(j.at, starts.get(j.c));
    this.patch(toDefault, deflt ? starts.get(deflt) : this.pc);
    for (const b of this.breaks.pop()!) this.patch(b);
  }

  private preproc(n: SyntaxNode): void {
    let taken: boolean;
    if (n.type === 'preproc_else') taken = true;
    else if (n.type === 'preproc_ifdef') {
      const name = n.childForFieldName('name')?.text ?? '';
      const negate = n.children[0]?.text === '#ifndef';
      taken = (KERNEL_CONFIG[name] ?? false) !== negate;
    } else taken = evalPreproc(n.childForFieldName('condition'));
    const alt = n.childForFieldName('alternative');
    if (taken) {
      for (const c of n.namedChildren) {
        if (same(c, alt) || same(c, n.childForFieldName('condition')) || same(c, n.childForFieldName('name'))) continue;
        this.stmt(c);
      }
    } else if (alt) this.preproc(alt);
  }

  private declaration(n: SyntaxNode): void {
    const type = n.childForFieldName('type');
    const structType = type?.type === 'struct_specifier' || type?.type === 'union_specifier' ? type.childForFieldName('name')?.text ?? '?' : undefined;
    for (const d of n.children) {
      if (!['init_declarator', 'identifier', 'pointer_declarator', 'array_declarator'].includes(d.type)) continue;
      const declarator = d.type === 'init_declarator' ? d.childForFieldName('declarator')! : d;
      const name = declName(declarator);
      if (!name) continue;
      const value = d.type === 'init_declarator' ? d.childForFieldName('value') : null;
      let init: LocalInit = { k: 'scalar' };
      // `struct page *pages[64]` is an array (of pointers) under a pointer declarator.
      let arr: SyntaxNode | null = declarator;
      let pointer = false;
      while (arr && arr.type === 'pointer_declarator') {
        pointer = true;
        arr = arr.childForFieldName('declarator');
      }
      if (arr?.type === 'array_declarator') {
        const size = arr.childForFieldName('size');
        const length = size && /^\d+$/.test(size.text) ? Number(size.text) : 16;
        init = { k: 'array', length, elem: pointer ? 'scalar' : structType ?? 'scalar' };
      } else if (declarator.type === 'identifier' && structType) init = { k: 'record', type: structType, zero: value?.type === 'initializer_list' };
      this.locals.set(name, init);
      this.emit({ op: 'decl', name, init });
      if (!value) continue;
      if (value.type === 'initializer_list') this.initList(value, () => this.emit({ op: 'local', name }));
      else {
        this.emit({ op: 'local', name });
        this.value(value);
        this.emit({ op: 'store' });
        this.emit({ op: 'pop' });
      }
    }
  }

  private initList(list: SyntaxNode, target: () => void): void {
    let index = 0;
    for (const item of list.namedChildren) {
      if (item.type === 'comment') continue;
      target();
      let value = item;
      if (item.type === 'initializer_pair') {
        for (const des of item.childForFieldName('designator') ? [item.childForFieldName('designator')!] : item.namedChildren.slice(0, -1)) {
          if (des.type === 'field_designator') this.emit({ op: 'field', name: des.namedChildren[0]?.text ?? des.text.replace(/^\./, '') });
          else if (des.type === 'subscript_designator') {
            this.value(des.namedChildren[0]);
            this.emit({ op: 'index' });
          }
        }
        value = item.childForFieldName('value') ?? item.namedChildren.at(-1)!;
      } else {
        this.emit({ op: 'push', v: index++ });
        this.emit({ op: 'index' });
      }
      if (value.type === 'initializer_list') {
        // Nested list: its target is the member just addressed.
        const at = this.pc;
        void at;
        this.emit({ op: 'pop' });
        this.unsupported(value, 'nested initializer list');
        continue;
      }
      this.value(value);
      this.emit({ op: 'store' });
      this.emit({ op: 'pop' });
    }
  }

  /** `(struct x){ .a = 1 }`: a hidden local initialised by the list; pushes its address. */
  private compoundLiteral(n: SyntaxNode): void {
    const type = n.childForFieldName('type');
    const struct = type?.namedChildren.find((c) => c.type === 'struct_specifier')?.childForFieldName('name')?.text ?? type?.text ?? '?';
    const name = `__literal${this.tmp++}`;
    this.locals.set(name, { k: 'record', type: struct, zero: true });
    this.emit({ op: 'decl', name, init: { k: 'record', type: struct, zero: true } });
    const list = n.childForFieldName('value');
    if (list?.type === 'initializer_list') this.initList(list, () => this.emit({ op: 'local', name }));
    this.emit({ op: 'local', name });
  }

  private declaringMacro(call: SyntaxNode): void {
    const macro = call.childForFieldName('function')!.text;
    const args = call.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment') ?? [];
    const name = args[0]?.text ?? '__anon';
    this.locals.set(name, { k: 'record', type: macro });
    this.emit({ op: 'decl', name, init: { k: 'record', type: macro } });
    this.emit({ op: 'local', name });
    for (const a of args.slice(1)) this.value(a);
    this.emit({ op: 'call', name: macro, argc: args.length });
    this.emit({ op: 'pop' });
  }

  // ---- expressions ----

  /** Compiles `n` so that its address is pushed. */
  private addr(n: SyntaxNode): void {
    switch (n.type) {
      case 'identifier':
        if (this.locals.has(n.text)) this.emit({ op: 'local', name: n.text });
        else this.emit({ op: 'name', name: `&${n.text}` });
        return;
      case 'parenthesized_expression':
        return this.addr(n.namedChildren.find((c) => c.type !== 'comment')!);
      case 'cast_expression':
        return this.addr(n.childForFieldName('value')!);
      case 'field_expression': {
        const arg = n.childForFieldName('argument')!;
        const op = n.childForFieldName('operator')?.text ?? n.children[1]?.text;
        if (op === '->') this.value(arg);
        else this.addr(arg);
        this.emit({ op: 'field', name: n.childForFieldName('field')!.text });
        return;
      }
      case 'subscript_expression':
        this.arrayBase(n.childForFieldName('argument')!);
        this.value(n.childForFieldName('index')!);
        this.emit({ op: 'index' });
        return;
      case 'pointer_expression':
        if (n.children[0]?.text === '*') return this.value(n.childForFieldName('argument')!);
        return this.unsupported(n, 'address of an address');
      case 'compound_literal_expression':
        return this.compoundLiteral(n);
      default:
        // Something whose value is a pointer used as an lvalue base.
        return this.value(n);
    }
  }

  /** The base of a subscript: an array decays to a pointer to its first element. */
  private arrayBase(n: SyntaxNode): void {
    if (n.type === 'identifier' && this.locals.get(n.text)?.k === 'array') this.emit({ op: 'local', name: n.text });
    else if (n.type === 'field_expression') {
      // A member that is an array decays to its address, a pointer member to its value: decided at run time.
      this.addr(n);
      this.emit({ op: 'decay' });
    } else this.value(n);
  }

  /** Compiles `n` so that its value is pushed. */
  private value(n: SyntaxNode): void {
    switch (n.type) {
      case 'number_literal':
        return void this.emit({ op: 'push', v: parseNumber(n.text) });
      case 'char_literal':
        return void this.emit({ op: 'push', v: charValue(n.text) });
      case 'string_literal':
        return void this.emit({ op: 'push', v: n.text.slice(1, -1) });
      case 'concatenated_string':
        return void this.emit({ op: 'push', v: n.namedChildren.filter((c) => c.type === 'string_literal').map((c) => c.text.slice(1, -1)).join('') });
      case 'true':
        return void this.emit({ op: 'push', v: 1 });
      case 'false':
        return void this.emit({ op: 'push', v: 0 });
      case 'null':
        return void this.emit({ op: 'push', v: null });
      case 'identifier':
        if (this.locals.has(n.text)) {
          this.emit({ op: 'local', name: n.text });
          if (this.locals.get(n.text)?.k === 'array') {
            this.emit({ op: 'push', v: 0 });
            this.emit({ op: 'index' });
          } else this.emit({ op: 'load' });
        } else this.emit({ op: 'name', name: n.text });
        return;
      case 'parenthesized_expression':
        return this.value(n.namedChildren.find((c) => c.type !== 'comment')!);
      case 'cast_expression':
        return this.value(n.childForFieldName('value')!);
      case 'sizeof_expression':
      case 'alignof_expression':
        return void this.emit({ op: 'push', v: 8 });
      case 'field_expression':
      case 'subscript_expression':
        this.addr(n);
        this.emit({ op: 'load' });
        return;
      case 'pointer_expression': {
        const arg = n.childForFieldName('argument')!;
        if (n.children[0]?.text === '&') return this.addr(arg);
        this.value(arg);
        this.emit({ op: 'load' });
        return;
      }
      case 'unary_expression': {
        this.value(n.childForFieldName('argument')!);
        this.emit({ op: 'un', o: n.childForFieldName('operator')!.text as UnOp });
        return;
      }
      case 'binary_expression': {
        const o = n.childForFieldName('operator')!.text;
        const left = n.childForFieldName('left')!;
        const right = n.childForFieldName('right')!;
        if (o === '&&' || o === '||') {
          this.value(left);
          this.emit({ op: 'bool' });
          this.emit({ op: 'dup' });
          const j = this.emit(o === '&&' ? { op: 'jz', to: -1 } : { op: 'jnz', to: -1 });
          this.emit({ op: 'pop' });
          this.value(right);
          this.emit({ op: 'bool' });
          this.patch(j);
          return;
        }
        if (!BINOPS.has(o)) return this.unsupported(n, `operator ${o}`);
        this.value(left);
        this.value(right);
        this.emit({ op: 'bin', o: o as BinOp });
        return;
      }
      case 'update_expression': {
        const prefix = n.children[0]?.text === '++' || n.children[0]?.text === '--';
        const o = prefix ? n.children[0].text : n.children[1]?.text;
        this.addr(n.childForFieldName('argument')!);
        this.emit({ op: 'update', delta: o === '++' ? 1 : -1, postfix: !prefix });
        return;
      }
      case 'assignment_expression': {
        const o = n.childForFieldName('operator')!.text;
        this.addr(n.childForFieldName('left')!);
        this.value(n.childForFieldName('right')!);
        if (o === '=') this.emit({ op: 'store' });
        else this.emit({ op: 'assignop', o: o.slice(0, -1) as BinOp });
        return;
      }
      case 'conditional_expression': {
        this.value(n.childForFieldName('condition')!);
        const jz = this.emit({ op: 'jz', to: -1 });
        const cons = n.childForFieldName('consequence');
        if (cons) this.value(cons);
        else this.unsupported(n, 'a ?: b');
        const jmp = this.emit({ op: 'jmp', to: -1 });
        this.patch(jz);
        this.value(n.childForFieldName('alternative')!);
        this.patch(jmp);
        return;
      }
      case 'comma_expression':
        this.value(n.childForFieldName('left')!);
        this.emit({ op: 'pop' });
        this.value(n.childForFieldName('right')!);
        return;
      case 'call_expression':
        return this.call(n);
      case 'compound_literal_expression':
        this.compoundLiteral(n);
        this.emit({ op: 'load' });
        return;
      default:
        this.unsupported(n);
        this.emit({ op: 'push', v: undefined });
    }
  }

  private call(n: SyntaxNode): void {
    const fn = n.childForFieldName('function')!;
    // A type among the arguments (`container_of(p, struct x, m)`, `min_t(long, a, b)`) parses as an ERROR node.
    const args = n.childForFieldName('arguments')?.namedChildren.filter((c) => c.type !== 'comment' && c.type !== 'ERROR') ?? [];
    const name = fn.type === 'identifier' && !this.locals.has(fn.text) ? fn.text : undefined;
    if (name && TRANSPARENT.has(name) && args.length === 1) return this.value(args[0]);
    if (name === 'ARRAY_SIZE' && args.length === 1) {
      const l = args[0].type === 'identifier' ? this.locals.get(args[0].text) : undefined;
      if (l?.k === 'array') return void this.emit({ op: 'push', v: l.length });
    }
    if (name === 'WRITE_ONCE' && args.length === 2) {
      this.addr(args[0]);
      this.value(args[1]);
      this.emit({ op: 'store' });
      return;
    }
    if (name === 'container_of' && args.length === 3) {
      this.value(args[0]);
      this.emit({ op: 'container', member: args[2].text });
      return;
    }
    if ((name === 'min_t' || name === 'max_t' || name === 'clamp_t') && args.length >= 2) {
      // The type argument is an ERROR node (dropped above) or an identifier: drop it if still there.
      const values = args.length >= (name === 'clamp_t' ? 4 : 3) ? args.slice(1) : args;
      for (const a of values) this.value(a);
      this.emit({ op: 'call', name: name.slice(0, -2), argc: values.length });
      return;
    }
    if (name) {
      for (const a of args) this.value(a);
      this.emit({ op: 'call', name, argc: args.length });
      return;
    }
    this.value(fn);
    for (const a of args) this.value(a);
    this.emit({ op: 'callv', argc: args.length });
  }
}

/** Node identity (the runtime hands out a new wrapper object per access). */
function same(a: SyntaxNode | null, b: SyntaxNode | null): boolean {
  return !!a && !!b && a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

function declName(d: SyntaxNode | null): string | undefined {
  while (d) {
    if (d.type === 'identifier') return d.text;
    d = d.childForFieldName('declarator') ?? d.namedChildren.find((c) => c.type === 'identifier' || c.type.endsWith('declarator')) ?? null;
  }
  return undefined;
}

export function parseNumber(text: string): number {
  const t = text.replace(/[uUlL]+$/, '');
  if (/^0[xX]/.test(t)) return Number.parseInt(t.slice(2), 16);
  if (/^0[bB]/.test(t)) return Number.parseInt(t.slice(2), 2);
  if (/^0\d+$/.test(t)) return Number.parseInt(t.slice(1), 8);
  return Number(t);
}

function charValue(text: string): number {
  const inner = text.slice(1, -1);
  const esc: Record<string, number> = { '\\n': 10, '\\t': 9, '\\0': 0, "\\'": 39, '\\\\': 92 };
  return esc[inner] ?? inner.charCodeAt(0);
}

/** `#if` conditions of bodies: IS_ENABLED(CONFIG_X), defined(CONFIG_X), !, &&, ||, numbers. */
function evalPreproc(n: SyntaxNode | null): boolean {
  if (!n) return false;
  switch (n.type) {
    case 'number_literal':
      return parseNumber(n.text) !== 0;
    case 'identifier':
      return KERNEL_CONFIG[n.text] ?? false;
    case 'preproc_defined':
      return KERNEL_CONFIG[n.namedChildren[0]?.text ?? ''] ?? false;
    case 'parenthesized_expression':
      return evalPreproc(n.namedChildren[0] ?? null);
    case 'unary_expression':
      return !evalPreproc(n.childForFieldName('argument'));
    case 'binary_expression': {
      const o = n.childForFieldName('operator')?.text;
      const l = evalPreproc(n.childForFieldName('left'));
      const r = evalPreproc(n.childForFieldName('right'));
      return o === '&&' ? l && r : o === '||' ? l || r : false;
    }
    case 'call_expression': {
      const f = n.childForFieldName('function')?.text;
      const arg = n.childForFieldName('arguments')?.namedChildren[0]?.text ?? '';
      if (f === 'IS_ENABLED' || f === 'defined') return KERNEL_CONFIG[arg] ?? false;
      return false;
    }
    default:
      return false;
  }
}
