// A small validator for task arguments: typed results, errors that carry the path of the bad value
// (the playbook loader turns the path into file:line:column).
import { didYouMean } from '../util/suggest.js';

export type Path = (string | number)[];

export class SchemaError extends Error {
  constructor(
    readonly path: Path,
    readonly detail: string,
    /** the key itself is wrong (unknown), not its value */
    readonly atKey = false,
  ) {
    super(path.length ? `argument '${path.join('.')}' ${detail}` : detail);
    this.name = 'SchemaError';
  }
}

export interface ParseCtx {
  /** at load time values may still hold {{ templates }}: accept them for any scalar type */
  deferTemplates: boolean;
}

/** `I`: what a caller may write (in code, `call()`): optional and defaulted keys may be left out.
 *  A type-level marker only; no value carries it. */
export interface Schema<T, I = T> {
  readonly __input?: I;
  readonly kind: string;
  /** one line for the task reference */
  readonly describe: string;
  readonly doc?: string;
  readonly optional?: boolean;
  readonly defaultValue?: T;
  parse(value: unknown, path: Path, ctx: ParseCtx): T;
}

const isTemplate = (v: unknown): v is string => typeof v === 'string' && v.includes('{{');
const typeName = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v);

function scalar<T>(kind: string, describe: string, check: (v: unknown, path: Path) => T): Schema<T> {
  return {
    kind,
    describe,
    parse(v, path, ctx) {
      if (ctx.deferTemplates && isTemplate(v)) return v as T;
      return check(v, path);
    },
  };
}

export const string = (): Schema<string> =>
  scalar('string', 'string', (v, p) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new SchemaError(p, `must be a string, got ${typeName(v)}`);
  });

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A string without control characters (C0, DEL, C1): a path, a user or a version — what names
 *  something on the host or ends up in a line of the run-state manifest, a unit or a config file,
 *  where a newline would start a line of its own and an escape would hide one. Described as a
 *  string: that is what it is. */
export const plain = (): Schema<string> =>
  scalar('string', 'string', (v, p) => {
    const s = string().parse(v, p, { deferTemplates: false });
    const c = CONTROL.exec(s);
    if (c) throw new SchemaError(p, `must not contain control characters, got ${JSON.stringify(c[0])} at offset ${c.index} of ${JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)}`);
    return s;
  });

export const int = (opts: { min?: number; max?: number } = {}): Schema<number> =>
  scalar('int', 'integer', (v, p) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw new SchemaError(p, `must be an integer, got ${typeName(v)}`);
    if (opts.min !== undefined && n < opts.min) throw new SchemaError(p, `must be >= ${opts.min}, got ${n}`);
    if (opts.max !== undefined && n > opts.max) throw new SchemaError(p, `must be <= ${opts.max}, got ${n}`);
    return n;
  });

export const bool = (): Schema<boolean> =>
  scalar('bool', 'boolean', (v, p) => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|yes|on|1)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|no|off|0)$/i.test(v)) return false;
    throw new SchemaError(p, `must be true or false, got ${typeName(v)}`);
  });

export function oneOf<const T extends string>(values: readonly T[]): Schema<T> {
  // YAML 1.1 reads an unquoted off/no/on/yes as a boolean (as Ansible does): `tcp: off` means 'off'
  const asBool = (b: boolean) => values.filter((x) => (b ? /^(?:on|yes|true)$/i : /^(?:off|no|false)$/i).test(x));
  return scalar('enum', values.map((v) => `'${v}'`).join(' | '), (v, p) => {
    if (typeof v === 'string' && (values as readonly string[]).includes(v)) return v as T;
    if (typeof v === 'boolean' && asBool(v).length === 1) return asBool(v)[0]!;
    const got = typeof v === 'string' ? `'${v}'${didYouMean(v, values)}` : typeName(v);
    throw new SchemaError(p, `must be one of ${values.join(', ')}; got ${got}`);
  });
}

/** A file mode written as octal text ('0644', '644') or a YAML octal number. */
export const mode = (): Schema<string> =>
  scalar('mode', "octal mode, quoted ('0644')", (v, p) => {
    if (typeof v === 'string' && /^0?[0-7]{3,4}$/.test(v)) return v.padStart(4, '0');
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) {
      // YAML 1.1 reads 0644 as the number 420 (as Ansible does); 644 unquoted is decimal 644, which
      // Ansible would take as 0o1204: refused, it is never what was meant
      if (v > 0o777 && /^[0-7]{3}$/.test(String(v))) throw new SchemaError(p, `is the decimal number ${v}, not the mode 0${v}; write it quoted ('0${v}') or with a leading zero (0${v})`);
      return v.toString(8).padStart(4, '0');
    }
    throw new SchemaError(p, `must be an octal mode such as '0644', got ${JSON.stringify(v)}`);
  });

export function list<T, I>(item: Schema<T, I>, opts: { acceptSingle?: boolean } = {}): Schema<T[], I[]> {
  return {
    kind: 'list',
    describe: `list of ${item.describe}`,
    parse(v, path, ctx) {
      if (ctx.deferTemplates && isTemplate(v)) return v as unknown as T[];
      if (!Array.isArray(v)) {
        if (opts.acceptSingle && v !== undefined && v !== null && typeof v !== 'object') return [item.parse(v, path, ctx)];
        throw new SchemaError(path, `must be a list, got ${typeName(v)}`);
      }
      return v.map((x, i) => item.parse(x, [...path, i], ctx));
    },
  };
}

export function record<T, I>(item: Schema<T, I>): Schema<Record<string, T>, Record<string, I>> {
  return {
    kind: 'record',
    describe: `mapping of ${item.describe}`,
    parse(v, path, ctx) {
      if (ctx.deferTemplates && isTemplate(v)) return v as unknown as Record<string, T>;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SchemaError(path, `must be a mapping, got ${typeName(v)}`);
      const out: Record<string, T> = {};
      for (const [k, x] of Object.entries(v)) out[k] = item.parse(x, [...path, k], ctx);
      return out;
    },
  };
}

/** Any JSON value (for json_file keys). */
export const json = (): Schema<unknown> => ({
  kind: 'json',
  describe: 'any YAML/JSON value',
  parse: (v) => v,
});

export function optional<T, I>(s: Schema<T, I>): Schema<T | undefined, I | undefined> {
  return { ...s, optional: true, parse: (v, p, c) => (v === undefined || v === null ? undefined : s.parse(v, p, c)) };
}

export function withDefault<T, I>(s: Schema<T, I>, value: T): Schema<T, I | undefined> {
  return { ...s, optional: true, defaultValue: value, parse: (v, p, c) => (v === undefined || v === null ? value : s.parse(v, p, c)) };
}

export function doc<T, I>(s: Schema<T, I>, text: string): Schema<T, I> {
  return { ...s, doc: text };
}

type Shape = Record<string, Schema<unknown, unknown>>;
type Out<S extends Shape> = { [K in keyof S]: S[K] extends Schema<infer T, unknown> ? T : never };
type InOf<X> = X extends Schema<unknown, infer I> ? I : never;
/** A value that is rendered per host before parsing: accepted for any argument. */
export type Template = `${string}{{${string}}}${string}`;
type Templatable<T> = T | (T extends string ? never : Template);
/** The arguments a caller writes: keys whose schema is optional (or defaulted) may be left out. */
export type In<S extends Shape> = { [K in keyof S as undefined extends InOf<S[K]> ? never : K]: Templatable<InOf<S[K]>> } & { [K in keyof S as undefined extends InOf<S[K]> ? K : never]?: Templatable<Exclude<InOf<S[K]>, undefined>> };

export interface ObjectSchema<S extends Shape> extends Schema<Out<S>, In<S>> {
  readonly shape: S;
}

/** A mapping with known keys. Unknown keys are errors with a suggestion; `refine` checks combinations. */
export function object<S extends Shape>(shape: S, refine?: (v: Out<S>, path: Path) => void): ObjectSchema<S> {
  return {
    kind: 'object',
    describe: 'mapping',
    shape,
    parse(v, path, ctx) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new SchemaError(path, `must be a mapping, got ${typeName(v)}`);
      const input = v as Record<string, unknown>;
      for (const k of Object.keys(input)) {
        if (!(k in shape)) throw new SchemaError([...path, k], `is not known${didYouMean(k, Object.keys(shape))}; known: ${Object.keys(shape).join(', ')}`, true);
      }
      const out: Record<string, unknown> = {};
      for (const [k, s] of Object.entries(shape)) {
        if (input[k] === undefined && !s.optional) throw new SchemaError([...path, k], 'is required');
        const val = s.parse(input[k], [...path, k], ctx);
        if (val !== undefined) out[k] = val;
      }
      if (refine && !ctx.deferTemplates) refine(out as Out<S>, path);
      return out as Out<S>;
    },
  };
}

/** Parse fully-rendered arguments (run time). */
export function parseArgs<T>(s: Schema<T, unknown>, value: unknown): T {
  return s.parse(value, [], { deferTemplates: false });
}
