// `when`: a small, safe expression language over variables and facts. Hand-written tokenizer and
// parser; evaluation only reads own properties of plain data — no eval, no prototype access.
import { compareDebVersions } from '../util/debversion.js';

export class ExprError extends Error {
  constructor(message: string, readonly column?: number) {
    super(column ? `${message} (at column ${column})` : message);
    this.name = 'ExprError';
  }
}

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'eof'; v: string; col: number };

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'list'; items: Expr[] }
  | { k: 'var'; name: string; col: number }
  | { k: 'get'; obj: Expr; key: Expr }
  | { k: 'not'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; neg: boolean }
  | { k: 'filter'; e: Expr; name: string; args: Expr[] };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const col = i + 1;
    if (/\s/.test(c)) i++;
    else if (/\d/.test(c)) {
      const m = /^\d+(\.\d+)?/.exec(src.slice(i))![0];
      out.push({ t: 'num', v: m, col });
      i += m.length;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) j++;
        s += src[j];
        j++;
      }
      if (j >= src.length) throw new ExprError('unterminated string', col);
      out.push({ t: 'str', v: s, col });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][\w-]*/.exec(src.slice(i))![0].replace(/-+$/, '');
      out.push({ t: 'id', v: m, col });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two, col });
        i += 2;
      } else if ('<>()[],.|'.includes(c)) {
        out.push({ t: 'op', v: c, col });
        i++;
      } else throw new ExprError(`unexpected character '${c}'`, col);
    }
  }
  out.push({ t: 'eof', v: '', col: src.length + 1 });
  return out;
}

export function parseExpr(src: string): Expr {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p]!;
  const next = () => toks[p++]!;
  const isOp = (v: string) => peek().t === 'op' && peek().v === v;
  const isId = (v: string) => peek().t === 'id' && peek().v === v;
  const expect = (v: string) => {
    if (!isOp(v)) throw new ExprError(`expected '${v}'`, peek().col);
    next();
  };
  const or = (): Expr => {
    let a = and();
    while (isId('or')) {
      next();
      a = { k: 'bin', op: 'or', a, b: and() };
    }
    return a;
  };
  const and = (): Expr => {
    let a = not();
    while (isId('and')) {
      next();
      a = { k: 'bin', op: 'and', a, b: not() };
    }
    return a;
  };
  const not = (): Expr => {
    if (isId('not')) {
      next();
      return { k: 'not', e: not() };
    }
    return cmp();
  };
  const cmp = (): Expr => {
    let a = filtered();
    for (;;) {
      if (peek().t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(peek().v)) a = { k: 'bin', op: next().v, a, b: filtered() };
      else if (isId('in')) {
        next();
        a = { k: 'bin', op: 'in', a, b: filtered() };
      } else if (isId('not') && toks[p + 1]?.t === 'id' && toks[p + 1]?.v === 'in') {
        p += 2;
        a = { k: 'not', e: { k: 'bin', op: 'in', a, b: filtered() } };
      } else if (isId('is')) {
        next();
        let neg = false;
        if (isId('not')) {
          next();
          neg = true;
        }
        const name = next();
        if (name.t !== 'id') throw new ExprError('expected a test name after "is"', name.col);
        a = { k: 'test', e: a, name: name.v, args: args(), neg };
      } else return a;
    }
  };
  const args = (): Expr[] => {
    if (!isOp('(')) return [];
    next();
    const out: Expr[] = [];
    while (!isOp(')')) {
      out.push(or());
      if (!isOp(')')) expect(',');
    }
    next();
    return out;
  };
  const filtered = (): Expr => {
    let e = postfix();
    while (isOp('|')) {
      next();
      const name = next();
      if (name.t !== 'id') throw new ExprError('expected a filter name after "|"', name.col);
      e = { k: 'filter', e, name: name.v, args: args() };
    }
    return e;
  };
  const postfix = (): Expr => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        next();
        const id = next();
        if (id.t !== 'id' && id.t !== 'num') throw new ExprError('expected a name after "."', id.col);
        e = { k: 'get', obj: e, key: { k: 'lit', v: id.v } };
      } else if (isOp('[')) {
        next();
        const key = or();
        expect(']');
        e = { k: 'get', obj: e, key };
      } else return e;
    }
  };
  const primary = (): Expr => {
    const t = next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      if (t.v === 'null' || t.v === 'none' || t.v === 'None') return { k: 'lit', v: null };
      return { k: 'var', name: t.v, col: t.col };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = or();
      expect(')');
      return e;
    }
    if (t.t === 'op' && t.v === '[') {
      const items: Expr[] = [];
      while (!isOp(']')) {
        items.push(or());
        if (!isOp(']')) expect(',');
      }
      next();
      return { k: 'list', items };
    }
    throw new ExprError(t.t === 'eof' ? 'unexpected end of expression' : `unexpected '${t.v}'`, t.col);
  };
  const e = or();
  if (peek().t !== 'eof') throw new ExprError(`unexpected '${peek().v}'`, peek().col);
  return e;
}

const UNDEF = Symbol('undefined');

function own(obj: unknown, key: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return UNDEF;
  const k = typeof key === 'number' ? key : String(key);
  if (Array.isArray(obj)) return typeof k === 'number' || /^\d+$/.test(String(k)) ? (obj[Number(k)] ?? UNDEF) : UNDEF;
  return Object.hasOwn(obj, k) ? (obj as Record<string, unknown>)[k as string] : UNDEF;
}

export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function evalRaw(e: Expr, scope: Record<string, unknown>): unknown {
  switch (e.k) {
    case 'lit':
      return e.v;
    case 'list':
      return e.items.map((x) => strict(x, scope));
    case 'var':
      return own(scope, e.name);
    case 'get': {
      const obj = evalRaw(e.obj, scope);
      return obj === UNDEF ? UNDEF : own(obj, strict(e.key, scope));
    }
    case 'not':
      return !truthy(strict(e.e, scope));
    case 'bin':
      return binary(e, scope);
    case 'test':
      return test(e, scope);
    case 'filter':
      return filter(e, scope);
  }
}

function describe(e: Expr): string {
  if (e.k === 'var') return e.name;
  if (e.k === 'get') return `${describe(e.obj)}.${e.key.k === 'lit' ? String(e.key.v) : '[…]'}`;
  return 'value';
}

function strict(e: Expr, scope: Record<string, unknown>): unknown {
  const v = evalRaw(e, scope);
  if (v === UNDEF) throw new ExprError(`undefined variable '${describe(e)}' (guard it with 'is defined' or '| default(…)')`);
  return v;
}

function binary(e: Extract<Expr, { k: 'bin' }>, scope: Record<string, unknown>): unknown {
  if (e.op === 'and') return truthy(strict(e.a, scope)) && truthy(strict(e.b, scope));
  if (e.op === 'or') return truthy(strict(e.a, scope)) || truthy(strict(e.b, scope));
  const a = strict(e.a, scope);
  const b = strict(e.b, scope);
  switch (e.op) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b);
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b);
    case 'in':
      if (typeof b === 'string') return b.includes(String(a));
      if (Array.isArray(b)) return b.some((x) => JSON.stringify(x) === JSON.stringify(a));
      if (b && typeof b === 'object') return Object.hasOwn(b, String(a));
      throw new ExprError(`'in' needs a list, string or mapping on its right`);
    default: {
      if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) throw new ExprError(`cannot compare ${typeof a} with ${typeof b} using ${e.op}`);
      const c = (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
      return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
    }
  }
}

function test(e: Extract<Expr, { k: 'test' }>, scope: Record<string, unknown>): boolean {
  let r: boolean;
  if (e.name === 'defined' || e.name === 'undefined') {
    const v = evalRaw(e.e, scope);
    r = e.name === 'defined' ? v !== UNDEF : v === UNDEF;
  } else if (e.name === 'none') r = strict(e.e, scope) === null;
  else if (e.name === 'version') {
    const [want, opE] = e.args;
    if (!want) throw new ExprError("version test needs a version: x is version('1.2', '>=')");
    const c = compareDebVersions(String(strict(e.e, scope)), String(strict(want, scope)));
    const op = opE ? String(strict(opE, scope)) : '==';
    const ops: Record<string, boolean> = { '<': c < 0, lt: c < 0, '<=': c <= 0, le: c <= 0, '>': c > 0, gt: c > 0, '>=': c >= 0, ge: c >= 0, '==': c === 0, eq: c === 0, '!=': c !== 0, ne: c !== 0 };
    if (!(op in ops)) throw new ExprError(`unknown version operator '${op}'`);
    r = ops[op]!;
  } else throw new ExprError(`unknown test '${e.name}' (known: defined, undefined, none, version)`);
  return e.neg ? !r : r;
}

function filter(e: Extract<Expr, { k: 'filter' }>, scope: Record<string, unknown>): unknown {
  if (e.name === 'default') {
    const v = evalRaw(e.e, scope);
    return v === UNDEF || v === null ? (e.args[0] ? strict(e.args[0], scope) : '') : v;
  }
  const v = strict(e.e, scope);
  switch (e.name) {
    case 'length':
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw new ExprError('length needs a string, list or mapping');
    case 'bool':
      return typeof v === 'string' ? /^(true|yes|on|1)$/i.test(v) : truthy(v);
    case 'int':
      return Number.parseInt(String(v), 10) || 0;
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    default:
      throw new ExprError(`unknown filter '${e.name}' (known: length, bool, int, string, default)`);
  }
}

export function evalExpr(e: Expr, scope: Record<string, unknown>): unknown {
  return strict(e, scope);
}

const cache = new Map<string, Expr>();

/** A `when` condition (or a list of them, all of which must hold). */
export function evalWhen(src: string | string[], scope: Record<string, unknown>): boolean {
  const list = Array.isArray(src) ? src : [src];
  return list.every((s) => {
    let e = cache.get(s);
    if (!e) {
      e = parseExpr(s);
      cache.set(s, e);
    }
    return truthy(evalExpr(e, scope));
  });
}
