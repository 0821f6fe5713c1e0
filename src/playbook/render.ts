// Handlebars rendering of task arguments and template files: `{{ var }}`, no HTML escaping, and an
// undefined variable is an error that names it (strict mode).
import Handlebars from 'handlebars';
import { invalid } from '../errors.js';
import type { SourceLoc, Vars } from '../types.js';

const hb = Handlebars.create();
hb.registerHelper('json', (v: unknown) => JSON.stringify(v));
hb.registerHelper('join', (v: unknown, sep: unknown) => (Array.isArray(v) ? v.join(typeof sep === 'string' ? sep : ',') : String(v)));

const cache = new Map<string, Handlebars.TemplateDelegate>();
const WHOLE_VAR = /^\{\{\s*([A-Za-z_][\w-]*(?:\.[\w-]+)*)\s*\}\}$/;

function lookup(scope: Vars, path: string): unknown {
  let cur: unknown = scope;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** A template that is only text and `{{ a.b }}` (no helper, block, partial, comment, escape or
 *  whitespace control): its text and paths, or null. */
type Simple = (string | string[])[];
const simple = new Map<string, Simple | null>();
const MUSTACHE = /\{\{\s*([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)\s*\}\}/g;
const LITERALS = new Set(['this', 'true', 'false', 'null', 'undefined', 'else']);

function simpleOf(template: string): Simple | null {
  let parts = simple.get(template);
  if (parts !== undefined) return parts;
  parts = [];
  let last = 0;
  for (const m of template.matchAll(MUSTACHE)) {
    const path = m[1]!.split('.');
    if (LITERALS.has(path[0]!) || (path.length === 1 && path[0]! in hb.helpers)) {
      parts = null;
      break;
    }
    parts.push(template.slice(last, m.index), path);
    last = m.index + m[0].length;
  }
  parts?.push(template.slice(last));
  // what is left of other syntax: `{{#`, `{{!`, `{{~`, `\{{`, `{{{ x }}}`
  if (parts?.some((p) => typeof p === 'string' && /\{\{|\\$|\{$|^\}/.test(p))) parts = null;
  simple.set(template, parts);
  return parts;
}

/** Handlebars' own output for a simple template whose every path is a string, number or boolean;
 *  undefined for anything else (Handlebars then renders it, or names what is missing). Thousands of
 *  task arguments per run are such templates, and Handlebars' per-call setup costs more than this. */
function renderSimple(parts: Simple, scope: Vars): string | undefined {
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    let v: unknown = scope;
    for (const k of p) {
      if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    out += String(v);
  }
  return out;
}

/** Render one template string. `where` names the place for errors ("task 'x'", a file). */
export function renderString(template: string, scope: Vars, where: string, loc?: SourceLoc): string {
  if (!template.includes('{{')) return template;
  const parts = simpleOf(template);
  const fast = parts ? renderSimple(parts, scope) : undefined;
  if (fast !== undefined) return fast;
  let fn = cache.get(template);
  try {
    if (!fn) {
      fn = hb.compile(template, { noEscape: true, strict: true });
      cache.set(template, fn);
    }
    return fn(scope);
  } catch (e) {
    const msg = (e as Error).message;
    const undef = /"([^"]+)" not defined/.exec(msg);
    if (undef) throw invalid(`undefined variable '${undef[1]}' in ${where}; define it in vars, the inventory or with -e`, loc);
    throw invalid(`template error in ${where}: ${msg.split('\n')[0]}`, loc);
  }
}

/** Render every string inside a value. A string that is exactly `{{ path }}` keeps the value's type
 *  (a list stays a list), as in Ansible. */
export function renderValue(value: unknown, scope: Vars, where: string, loc?: SourceLoc): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_VAR.exec(value);
    if (whole) {
      const v = lookup(scope, whole[1]!);
      if (v === undefined) throw invalid(`undefined variable '${whole[1]}' in ${where}; define it in vars, the inventory or with -e`, loc);
      return v;
    }
    return renderString(value, scope, where, loc);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope, where, loc));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, scope, where, loc);
    return out;
  }
  return value;
}
