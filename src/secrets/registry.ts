// Secret values known to this process, and the one function that hides them. Everything fleet
// shows or stores (terminal, JSON report, journal, plan files, error messages) goes through
// redact()/redactDeep(); values sent to hosts are never touched. Process-wide rather than per run:
// secrets are learned while loading files, before any run exists, and a value that is secret once
// must stay hidden in every later message of the process.

/** What a secret value is replaced with wherever fleet shows or stores text. */
export const SECRET_MARKER = '«secret»';

/** Shorter values would redact common words and numbers everywhere, so they are not tracked. */
export const MIN_SECRET_LENGTH = 4;

/** Variable names that make a value secret, wherever the variable is defined (Ansible's habit). */
export const SECRET_NAME = /(^|_)(password|passwd|pass|secret|token|private_key|api_key)$/i;

const values = new Set<string>();
let pattern: RegExp | undefined;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function add(v: string): void {
  if (v.length < MIN_SECRET_LENGTH || values.has(v)) return;
  values.add(v);
  pattern = undefined;
}

/** Mark a value as secret. Also tracks the forms it takes once shown: JSON-escaped (inside a JSON
 *  string) and, for a multi-line value such as a key, each substantial line (diffs show lines). */
export function registerSecret(value: unknown): void {
  if (typeof value === 'number' || typeof value === 'bigint') value = String(value);
  if (typeof value !== 'string') return;
  add(value);
  add(JSON.stringify(value).slice(1, -1));
  if (value.includes('\n')) for (const line of value.split('\n')) if (line.trim().length >= 8) add(line.trim());
}

/** Register every value under a secret-named key (at any depth), e.g. `db_password`, `api_token`. */
export function registerNamedSecrets(vars: unknown, secret = false): void {
  if (secret && (typeof vars === 'string' || typeof vars === 'number')) return registerSecret(vars);
  if (Array.isArray(vars)) for (const v of vars) registerNamedSecrets(v, secret);
  else if (vars !== null && typeof vars === 'object') {
    for (const [k, v] of Object.entries(vars)) registerNamedSecrets(v, secret || SECRET_NAME.test(k));
  }
}

export const hasSecrets = (): boolean => values.size > 0;

/** Forget every secret (tests). */
export function clearSecrets(): void {
  values.clear();
  pattern = undefined;
}

/** `text` with every occurrence of a secret value replaced by SECRET_MARKER. */
export function redact(text: string): string {
  if (values.size === 0 || text.length < MIN_SECRET_LENGTH) return text;
  // longest first, so a secret that contains another is replaced whole
  pattern ??= new RegExp([...values].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
  return text.replace(pattern, SECRET_MARKER);
}

/** A copy of a JSON-like value with every string redacted (the same value when there is nothing to hide). */
export function redactDeep<T>(value: T): T {
  if (values.size === 0) return value;
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v !== null && typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = walk(x);
    return out;
  }
  return v;
}
