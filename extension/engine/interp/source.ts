/**
 * Where compiled functions come from: the reviewer's tree (through the function index) and the
 * model's own C files (kpsim's dispatchers and reference driver). Compiled code is cached by body
 * hash, so an edited function is compiled again and an unchanged one is not.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FunctionLookup } from '../../parsing/lookup';
import type { ParserService } from '../../parsing/parserService';
import type { SyntaxNode } from '../../parsing/syntax';
import type { Value } from '../state/values';
import type { Code } from './code';
import { Compiler, parseNumber } from './compile';
import type { CodeSource } from './machine';

function findDefinition(root: SyntaxNode, startIndex: number): SyntaxNode | undefined {
  let n: SyntaxNode | undefined = root;
  while (n && n.type !== 'function_definition') {
    n = n.children.find((c) => c.startIndex <= startIndex && startIndex < c.endIndex);
  }
  return n && n.startIndex === startIndex ? n : undefined;
}

/** Functions of a kernel tree on disk (files are read as they are now: a patched copy runs patched code). */
export class TreeCode implements CodeSource {
  private readonly cache = new Map<string, Code>();
  private readonly texts = new Map<string, string>();

  constructor(
    private readonly root: string,
    private readonly lookup: FunctionLookup,
    private readonly parser: ParserService,
    /** Text overrides by relative path (a patched file held in memory). */
    private readonly overrides: ReadonlyMap<string, string> = new Map(),
  ) {}

  text(rel: string): string {
    let t = this.texts.get(rel) ?? this.overrides.get(rel);
    if (t === undefined) {
      t = fs.readFileSync(path.join(this.root, rel), 'utf8');
      this.texts.set(rel, t);
    }
    return t;
  }

  private readonly constants = new Map<string, Map<string, number>>();

  constant(name: string, file: string): number | undefined {
    if (!this.lookup.index.files.some((f) => f.path === file)) return undefined;
    let table = this.constants.get(file);
    if (!table) {
      table = this.parser.withTree(`tree:${this.root}/${file}`, this.text(file), (root) => fileConstants(root));
      this.constants.set(file, table);
    }
    return table.get(name);
  }

  private readonly globals = new Map<string, Map<string, Value>>();

  global(name: string, file: string): Value | undefined {
    if (!this.lookup.index.files.some((f) => f.path === file)) return undefined;
    let table = this.globals.get(file);
    if (!table) {
      table = this.parser.withTree(`tree:${this.root}/${file}`, this.text(file), (root) => fileGlobals(root, file, (n) => this.lookup.resolveCall(n, file) !== undefined));
      this.globals.set(file, table);
    }
    const v = table.get(name);
    return v === undefined ? undefined : structuredClone(v);
  }

  fn(name: string, fromFile?: string): Code | undefined {
    const ref = this.lookup.resolveCall(name, fromFile);
    if (!ref) return undefined;
    const key = `${ref.file}:${name}@${ref.fn.bodyHash}`;
    let c = this.cache.get(key);
    if (!c) {
      c = this.parser.withTree(`tree:${this.root}/${ref.file}`, this.text(ref.file), (root) => {
        const def = findDefinition(root, ref.fn.startIndex);
        if (!def) throw new Error(`${ref.file}: lost the definition of ${name}`);
        return new Compiler(ref.file, this.text(ref.file)).compileFunction(def, name, ref.fn.bodyHash);
      });
      this.cache.set(key, c);
    }
    return c;
  }
}

/** Object-like `#define NAME <number>` and enumerators at file scope (also inside #if blocks). */
export function fileConstants(root: SyntaxNode): Map<string, number> {
  const out = new Map<string, number>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === 'preproc_def') {
      const name = n.childForFieldName('name')?.text;
      const value = n.childForFieldName('value')?.text.trim().replace(/^\((.*)\)$/, '$1');
      if (name && value && /^-?(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(value)) out.set(name, parseNumber(value.replace(/^-/, '')) * (value.startsWith('-') ? -1 : 1));
      return;
    }
    if (n.type === 'enumerator_list') {
      let next = 0;
      for (const e of n.namedChildren) {
        if (e.type !== 'enumerator') continue;
        const v = e.childForFieldName('value');
        if (v) {
          const t = v.text.trim();
          if (/^(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.test(t)) next = parseNumber(t);
          else if (out.has(t)) next = out.get(t) ?? next;
        }
        out.set(e.childForFieldName('name')!.text, next++);
      }
      return;
    }
    if (n.type === 'function_definition' || n.type === 'comment') return;
    for (const c of n.namedChildren) visit(c);
  };
  visit(root);
  return out;
}

/**
 * File-scope variables and their initial values: `static const struct ops x = { .f = fn };` gives
 * a struct whose members are function designators and numbers. Only constant initializers are
 * evaluated; anything else starts as zero (as static storage does).
 */
export function fileGlobals(root: SyntaxNode, file: string, isFunction: (name: string) => boolean): Map<string, Value> {
  const out = new Map<string, Value>();
  const evalInit = (n: SyntaxNode): Value => {
    if (n.type === 'initializer_list') {
      const fields: Record<string, Value> = {};
      for (const item of n.namedChildren) {
        if (item.type !== 'initializer_pair') continue;
        const des = item.namedChildren.find((c) => c.type === 'field_designator');
        const val = item.childForFieldName('value') ?? item.namedChildren.at(-1);
        if (des && val) fields[des.text.replace(/^\./, '')] = evalInit(val);
      }
      return { t: 'rec', type: '?', fields, zero: true };
    }
    if (n.type === 'number_literal') return parseNumber(n.text);
    if (n.type === 'identifier') return isFunction(n.text) ? { t: 'fn', name: n.text, file } : 0;
    if (n.type === 'null') return null;
    return 0;
  };
  for (const d of root.namedChildren) {
    if (d.type !== 'declaration') continue;
    const type = d.childForFieldName('type');
    const struct = type?.type === 'struct_specifier' ? type.childForFieldName('name')?.text ?? '?' : undefined;
    for (const decl of d.namedChildren) {
      if (decl.type !== 'init_declarator' && decl.type !== 'identifier') continue;
      const id = decl.type === 'identifier' ? decl : decl.childForFieldName('declarator');
      if (id?.type !== 'identifier') continue;
      const value = decl.type === 'init_declarator' ? decl.childForFieldName('value') : null;
      let v: Value = value ? evalInit(value) : struct ? { t: 'rec', type: struct, fields: {}, zero: true } : 0;
      if (struct && typeof v === 'object' && v !== null && v.t === 'rec') v = { ...v, type: struct };
      out.set(id.text, v);
    }
  }
  return out;
}

/** The model's C: functions are found by name in these files (parsed once). */
export class ModelCode implements CodeSource {
  private readonly defs = new Map<string, Code>();
  private readonly consts = new Map<string, number>();
  private readonly files = new Set<string>();
  private readonly globalsByFile = new Map<string, Map<string, Value>>();

  constructor(parser: ParserService, files: { name: string; text: string }[]) {
    for (const f of files) {
      this.files.add(f.name);
      parser.withTree(`model:${f.name}`, f.text, (root, p) => {
        for (const [k, v] of fileConstants(root)) this.consts.set(k, v);
        const names = new Set(p.functions.map((fn) => fn.name));
        this.globalsByFile.set(f.name, fileGlobals(root, f.name, (n) => names.has(n)));
        for (const info of p.functions) {
          const def = findDefinition(root, info.startIndex);
          if (def) this.defs.set(info.name, new Compiler(f.name, f.text).compileFunction(def, info.name, info.bodyHash));
        }
      });
    }
  }

  fn(name: string): Code | undefined {
    return this.defs.get(name);
  }

  global(name: string, file: string): Value | undefined {
    const v = this.globalsByFile.get(file)?.get(name);
    return v === undefined ? undefined : structuredClone(v);
  }

  /** Constants the model's own files define, for those files only. */
  constant(name: string, file: string): number | undefined {
    return this.files.has(file) ? this.consts.get(name) : undefined;
  }

  names(): string[] {
    return [...this.defs.keys()];
  }
}

/** The model's C first (it overrides a few kernel functions with dispatchers), then the tree. */
export class Layered implements CodeSource {
  constructor(private readonly layers: CodeSource[]) {}
  fn(name: string, fromFile?: string): Code | undefined {
    for (const l of this.layers) {
      const c = l.fn(name, fromFile);
      if (c) return c;
    }
    return undefined;
  }

  constant(name: string, file: string): number | undefined {
    for (const l of this.layers) {
      const c = l.constant?.(name, file);
      if (c !== undefined) return c;
    }
    return undefined;
  }

  global(name: string, file: string): Value | undefined {
    for (const l of this.layers) {
      const g = l.global?.(name, file);
      if (g !== undefined) return g;
    }
    return undefined;
  }
}
