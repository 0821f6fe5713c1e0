// `when`: a small, safe expression language over variables and facts, shaped like the Jinja tests
// Ansible users write. Hand-written tokenizer and recursive-descent parser; evaluation only reads
// own properties of plain data (no eval, no prototype access), so `x.constructor` is undefined.
//
// Grammar, loosest first:
//   or      := and ('or' and)*
//   and     := not ('and' not)*
//   not     := 'not' not | compare
//   compare := filtered (('=='|'!='|'<'|'<='|'>'|'>='|'in'|'not' 'in') filtered)*
//   filtered:= postfix ('|' NAME args? | 'is' 'not'? NAME args?)*
//   postfix := primary ('.' NAME | '.' INT | '[' or ']')*
//   primary := NUMBER | '-' NUMBER | STRING | true | false | none | null | NAME | '(' or ')' | '[' list ']'
import { compareDebVersions } from '../util/debversion.js';
import { didYouMean } from '../util/suggest.js';

/** An error in a `when` expression; `column` (1-based) points into the expression when known. */
export class ExprError extends Error {
  constructor(
    message: string,
    readonly column?: number,
  ) {
    super(column ? `${message} (at column ${column})` : message);
    this.name = 'ExprError';
  }
}

/** The expression does not parse. */
export class ExprSyntaxError extends ExprError {
  constructor(message: string, column: number) {
    super(message, column);
    this.name = 'ExprSyntaxError';
  }
}

type Tok = { t: 'num' | 'str' | 'id' | 'op' | 'eof'; v: string; col: number };

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'list'; items: Expr[] }
  | { k: 'var'; name: string; col: number }
  | { k: 'get'; obj: Expr; key: Expr; col: number }
  | { k: 'not'; e: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr; col: number }
  | { k: 'test'; e: Expr; name: string; args: Expr[]; neg: boolean; col: number }
  | { k: 'filter'; e: Expr; name: string; args: Expr[]; col: number };

const TESTS = ['defined', 'undefined', 'none', 'version', 'version_compare', 'string', 'number', 'boolean', 'mapping', 'sequence', 'truthy', 'falsy'];
const FILTERS = ['default', 'd', 'length', 'count', 'bool', 'int', 'float', 'string', 'lower', 'upper', 'trim', 'first', 'last'];
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'is']);

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const col = i + 1;
    if (/\s/.test(c)) i++;
    else if (/\d/.test(c)) {
      const m = /^\d+(\.\d+)*/.exec(src.slice(i))![0];
      if (m.split('.').length > 2) throw new ExprSyntaxError(`quote version numbers: '${m}'`, col);
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
      if (j >= src.length) throw new ExprSyntaxError('unterminated string', col);
      out.push({ t: 'str', v: s, col });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(src.slice(i))![0];
      out.push({ t: 'id', v: m, col });
      i += m.length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '<=', '>='].includes(two)) {
        out.push({ t: 'op', v: two, col });
        i += 2;
      } else if ('<>()[],.|-'.includes(c)) {
        out.push({ t: 'op', v: c, col });
        i++;
      } else throw new ExprSyntaxError(c === '=' ? "unexpected '=' (compare with '==')" : `unexpected character '${c}'`, col);
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
  const unexpected = (t: Tok) => new ExprSyntaxError(t.t === 'eof' ? 'unexpected end of expression' : `unexpected '${t.v}'`, t.col);
  const expect = (v: string) => {
    if (!isOp(v)) throw peek().t === 'eof' ? new ExprSyntaxError(`expected '${v}' before the end of the expression`, peek().col) : new ExprSyntaxError(`expected '${v}', got '${peek().v}'`, peek().col);
    next();
  };
  const name = (what: string, known: string[]): Tok => {
    const t = next();
    if (t.t !== 'id') throw new ExprSyntaxError(`expected a ${what} name`, t.col);
    if (!known.includes(t.v)) throw new ExprSyntaxError(`unknown ${what} '${t.v}'${didYouMean(t.v, known)}; known: ${known.join(', ')}`, t.col);
    return t;
  };
  const or = (): Expr => {
    let a = and();
    while (isId('or')) {
      const col = next().col;
      a = { k: 'bin', op: 'or', a, b: and(), col };
    }
    return a;
  };
  const and = (): Expr => {
    let a = not();
    while (isId('and')) {
      const col = next().col;
      a = { k: 'bin', op: 'and', a, b: not(), col };
    }
    return a;
  };
  const not = (): Expr => {
    if (isId('not')) {
      next();
      return { k: 'not', e: not() };
    }
    return compare();
  };
  const compare = (): Expr => {
    let a = filtered();
    for (;;) {
      const t = peek();
      if (t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
        next();
        a = { k: 'bin', op: t.v, a, b: filtered(), col: t.col };
      } else if (isId('in')) {
        next();
        a = { k: 'bin', op: 'in', a, b: filtered(), col: t.col };
      } else if (isId('not') && toks[p + 1]?.t === 'id' && toks[p + 1]?.v === 'in') {
        p += 2;
        a = { k: 'not', e: { k: 'bin', op: 'in', a, b: filtered(), col: t.col } };
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
    for (;;) {
      if (isOp('|')) {
        next();
        const f = name('filter', FILTERS);
        e = { k: 'filter', e, name: f.v, args: args(), col: f.col };
      } else if (isId('is')) {
        next();
        const neg = isId('not');
        if (neg) next();
        const t = name('test', TESTS);
        e = { k: 'test', e, name: t.v, args: args(), neg, col: t.col };
      } else return e;
    }
  };
  const postfix = (): Expr => {
    let e = primary();
    for (;;) {
      if (isOp('.')) {
        const col = next().col;
        const id = next();
        if ((id.t !== 'id' && id.t !== 'num') || id.v.includes('.')) throw new ExprSyntaxError('expected a name after "."', id.col);
        e = { k: 'get', obj: e, key: { k: 'lit', v: id.v }, col };
      } else if (isOp('[')) {
        const col = next().col;
        const key = or();
        expect(']');
        e = { k: 'get', obj: e, key, col };
      } else return e;
    }
  };
  const primary = (): Expr => {
    const t = next();
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'op' && t.v === '-' && peek().t === 'num') return { k: 'lit', v: -Number(next().v) };
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'True') return { k: 'lit', v: true };
      if (t.v === 'false' || t.v === 'False') return { k: 'lit', v: false };
      if (t.v === 'null' || t.v === 'none' || t.v === 'None') return { k: 'lit', v: null };
      if (KEYWORDS.has(t.v)) throw unexpected(t);
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
    throw unexpected(t);
  };
  if (peek().t === 'eof') throw new ExprSyntaxError('empty expression', 1);
  const e = or();
  if (peek().t !== 'eof') throw unexpected(peek());
  return e;
}

// "no such variable or key", distinct from null (a defined variable whose value is none)
const UNDEF = Symbol('undefined');

function own(obj: unknown, key: unknown): unknown {
  if (obj === null || typeof obj !== 'object') return UNDEF;
  if (Array.isArray(obj)) {
    const s = String(key);
    if (!/^-?\d+$/.test(s)) return UNDEF;
    const i = Number(s) < 0 ? obj.length + Number(s) : Number(s);
    return Object.hasOwn(obj, i) ? obj[i] : UNDEF;
  }
  const k = String(key);
  return Object.hasOwn(obj, k) ? (obj as Record<string, unknown>)[k] : UNDEF;
}

/** Python truthiness: empty strings, lists and mappings, 0 and none are false. */
export function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
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
  if (e.k === 'get') {
    const key = e.key.k === 'lit' ? e.key.v : undefined;
    return typeof key === 'number' ? `${describe(e.obj)}[${key}]` : typeof key === 'string' ? `${describe(e.obj)}.${key}` : `${describe(e.obj)}[…]`;
  }
  if (e.k === 'filter') return `${describe(e.e)} | ${e.name}`;
  return 'value';
}

function strict(e: Expr, scope: Record<string, unknown>): unknown {
  const v = evalRaw(e, scope);
  if (v === UNDEF) {
    const what = describe(e);
    const col = e.k === 'var' || e.k === 'get' ? e.col : undefined;
    throw new ExprError(`undefined variable '${what}' in when expression; guard it with '${what} is defined' or '${what} | default(…)'`, col);
  }
  return v;
}

const kind = (v: unknown) => (v === null ? 'none' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'mapping' : typeof v);

function binary(e: Extract<Expr, { k: 'bin' }>, scope: Record<string, unknown>): unknown {
  if (e.op === 'and') return truthy(strict(e.a, scope)) && truthy(strict(e.b, scope));
  if (e.op === 'or') return truthy(strict(e.a, scope)) || truthy(strict(e.b, scope));
  const a = strict(e.a, scope);
  const b = strict(e.b, scope);
  switch (e.op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case 'in':
      if (typeof b === 'string') {
        if (typeof a !== 'string') throw new ExprError(`'in' a string needs a string on its left, got ${kind(a)}`, e.col);
        return b.includes(a);
      }
      if (Array.isArray(b)) return b.some((x) => equal(x, a));
      if (b && typeof b === 'object') return Object.hasOwn(b, String(a));
      throw new ExprError(`'in' needs a list, string or mapping on its right, got ${kind(b)}`, e.col);
    default: {
      if (kind(a) !== kind(b) || (typeof a !== 'number' && typeof a !== 'string')) throw new ExprError(`cannot compare ${kind(a)} with ${kind(b)} using ${e.op}`, e.col);
      const c = (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
      return e.op === '<' ? c < 0 : e.op === '<=' ? c <= 0 : e.op === '>' ? c > 0 : c >= 0;
    }
  }
}

const VERSION_OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  lt: (c) => c < 0,
  '<=': (c) => c <= 0,
  le: (c) => c <= 0,
  '>': (c) => c > 0,
  gt: (c) => c > 0,
  '>=': (c) => c >= 0,
  ge: (c) => c >= 0,
  '==': (c) => c === 0,
  '=': (c) => c === 0,
  eq: (c) => c === 0,
  '!=': (c) => c !== 0,
  '<>': (c) => c !== 0,
  ne: (c) => c !== 0,
};

function test(e: Extract<Expr, { k: 'test' }>, scope: Record<string, unknown>): boolean {
  const r = testValue(e, scope);
  return e.neg ? !r : r;
}

function testValue(e: Extract<Expr, { k: 'test' }>, scope: Record<string, unknown>): boolean {
  if (e.name === 'defined') return evalRaw(e.e, scope) !== UNDEF;
  if (e.name === 'undefined') return evalRaw(e.e, scope) === UNDEF;
  const v = strict(e.e, scope);
  switch (e.name) {
    case 'none':
      return v === null;
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'mapping':
      return kind(v) === 'mapping';
    case 'sequence':
      return Array.isArray(v) || typeof v === 'string';
    case 'truthy':
      return truthy(v);
    case 'falsy':
      return !truthy(v);
    default: {
      // version / version_compare: Debian ordering, as dpkg --compare-versions
      const [wantE, opE] = e.args;
      if (!wantE) throw new ExprError(`the version test needs a version, as in: x is version('1.2', '>=')`, e.col);
      const want = strict(wantE, scope);
      const op = opE ? strict(opE, scope) : '==';
      const check = typeof op === 'string' && Object.hasOwn(VERSION_OPS, op) ? VERSION_OPS[op] : undefined;
      if (!check) throw new ExprError(`unknown version operator ${JSON.stringify(op)}; use one of ${Object.keys(VERSION_OPS).join(' ')}`, e.col);
      if (typeof v !== 'string' && typeof v !== 'number') throw new ExprError(`the version test needs a version string on its left, got ${kind(v)}`, e.col);
      return check(compareDebVersions(String(v), String(want)));
    }
  }
}

function filter(e: Extract<Expr, { k: 'filter' }>, scope: Record<string, unknown>): unknown {
  if (e.name === 'default' || e.name === 'd') {
    // as Jinja: only an undefined value is replaced, or with default(x, true) any false-ish one
    const v = evalRaw(e.e, scope);
    const orFalsy = e.args[1] ? truthy(strict(e.args[1], scope)) : false;
    if (v !== UNDEF && !(orFalsy && !truthy(v))) return v;
    return e.args[0] ? strict(e.args[0], scope) : '';
  }
  const v = strict(e.e, scope);
  const need = (what: string) => new ExprError(`${e.name} needs ${what}, got ${kind(v)}`, e.col);
  switch (e.name) {
    case 'length':
    case 'count':
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v && typeof v === 'object') return Object.keys(v).length;
      throw need('a string, list or mapping');
    case 'bool':
      return typeof v === 'string' ? /^(true|yes|on|1|y)$/i.test(v.trim()) : v === 1 || v === true;
    case 'int': {
      const n = typeof v === 'number' ? Math.trunc(v) : Number.parseInt(String(v), 10);
      return Number.isNaN(n) ? 0 : n;
    }
    case 'float': {
      const n = typeof v === 'number' ? v : Number.parseFloat(String(v));
      return Number.isNaN(n) ? 0 : n;
    }
    case 'string':
      return typeof v === 'string' ? v : v === null ? 'None' : typeof v === 'object' ? JSON.stringify(v) : String(v);
    case 'lower':
    case 'upper':
    case 'trim':
      if (typeof v !== 'string') throw need('a string');
      return e.name === 'lower' ? v.toLowerCase() : e.name === 'upper' ? v.toUpperCase() : v.trim();
    default: {
      // first / last
      if (typeof v !== 'string' && !Array.isArray(v)) throw need('a list or string');
      const x = e.name === 'first' ? v[0] : v[v.length - 1];
      return x === undefined ? UNDEF : x;
    }
  }
}

/** The value of a parsed expression; an undefined variable that is not guarded is an ExprError. */
export function evalExpr(e: Expr, scope: Record<string, unknown>): unknown {
  return strict(e, scope);
}

const cache = new Map<string, Expr>();

function parsed(src: string): Expr {
  let e = cache.get(src);
  if (!e) {
    e = parseExpr(src);
    if (cache.size > 10_000) cache.clear();
    cache.set(src, e);
  }
  return e;
}

/** A `when` condition, or a list of them that must all hold (evaluated in order, stopping at the first false). */
export function evalWhen(src: string | readonly string[], scope: Record<string, unknown>): boolean {
  const list = typeof src === 'string' ? [src] : src;
  return list.every((s) => truthy(evalExpr(parsed(s), scope)));
}
