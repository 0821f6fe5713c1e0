// The run-state manifest read back for a rollback: only lines fleet itself can have written, each
// checked, are acted on. A line is `v2 KIND WORD...`, every word encoded (shell/manifest-word.ts);
// manifests of earlier fleet versions (`KIND VALUE...`, unencoded) are read if they hold no v2 line.
// Everything else is refused with the reason, never guessed at: rollback runs as root and removes
// what a `created` line names.
import { decodeWord, encodeWord } from '../shell/manifest-word.js';

export type ManifestEntry =
  /** a path fleet replaced or removed: its previous version is under the run's files/ */
  | { kind: 'file'; path: string }
  /** a path that did not exist before fleet made it */
  | { kind: 'created'; path: string }
  /** a package's version before fleet changed it; '-': not installed */
  | { kind: 'pkg'; name: string; version: string }
  | { kind: 'hold'; name: string; held: boolean }
  | { kind: 'service'; name: string; active: boolean; enabled: 'enabled' | 'disabled' | '-' };

export interface Refused {
  /** 1-based line number in the manifest */
  line: number;
  /** the line, control characters escaped */
  text: string;
  why: string;
}

export interface ParsedManifest {
  entries: ManifestEntry[];
  refused: Refused[];
}

export const MANIFEST_VERSION = 'v2';

/** A manifest line as the apply header writes it (tests and the writer's counterpart). */
export const manifestLine = (kind: string, ...words: string[]): string => [MANIFEST_VERSION, kind, ...words.map(encodeWord)].join(' ');

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PKG = /^[a-z0-9][a-z0-9+.-]*(:[a-z0-9-]+)?$/;
const VERSION = /^([A-Za-z0-9.+~:-]+)$/;
const SERVICE = /^[A-Za-z0-9:_.@\\][A-Za-z0-9:_.@\\-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a recorded path is not one fleet could have recorded; undefined when it is. */
export function badPath(p: string): string | undefined {
  if (CONTROL.test(p)) return 'it holds control characters';
  if (!p.startsWith('/')) return 'it is not absolute';
  if (p === '/') return 'it is the root directory';
  if (p.slice(1).split('/').some((c) => c === '' || c === '.' || c === '..')) return "it is not a plain path (empty, '.' or '..' components)";
  return undefined;
}

function entryOf(kind: string, values: string[]): ManifestEntry | string {
  const want = (n: number) => (values.length === n ? undefined : `${kind} takes ${n} value${n > 1 ? 's' : ''}, this line has ${values.length}`);
  switch (kind) {
    case 'file':
    case 'created': {
      const bad = want(1) ?? badPath(values[0]!);
      return bad ? (bad.startsWith('it ') ? `the path ${bad.slice(3)}` : bad) : { kind, path: values[0]! };
    }
    case 'pkg': {
      const [name, version] = values;
      return want(2) ?? (!PKG.test(name!) ? 'not a package name' : version !== '-' && !VERSION.test(version!) ? 'not a package version' : { kind, name: name!, version: version! });
    }
    case 'hold': {
      const [name, held] = values;
      return want(2) ?? (!PKG.test(name!) ? 'not a package name' : held !== '0' && held !== '1' ? 'hold is 0 or 1' : { kind, name: name!, held: held === '1' });
    }
    case 'service': {
      const [name, state, enabled] = values;
      if (want(3)) return want(3)!;
      if (!SERVICE.test(name!)) return 'not a service name';
      if (state !== 'active' && state !== 'inactive') return 'the state is active or inactive';
      if (enabled !== 'enabled' && enabled !== 'disabled' && enabled !== '-') return 'enabled is enabled, disabled or -';
      return { kind, name: name!, active: state === 'active', enabled };
    }
    default:
      return `unknown kind '${kind}'`;
  }
}

const shown = (line: string) => JSON.stringify(line.length > 200 ? `${line.slice(0, 200)}…` : line).slice(1, -1);

export function parseManifest(text: string): ParsedManifest {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const v2 = lines.some((l) => l.startsWith(`${MANIFEST_VERSION} `));
  const out: ParsedManifest = { entries: [], refused: [] };
  lines.forEach((line, i) => {
    const refuse = (why: string) => out.refused.push({ line: i + 1, text: shown(line), why });
    let kind: string;
    let values: string[];
    if (v2) {
      const words = line.split(' ');
      if (words[0] !== MANIFEST_VERSION || words.length < 3) return refuse('not an encoded (v2) line in a v2 manifest');
      kind = words[1]!;
      const decoded: string[] = [];
      for (const w of words.slice(2)) {
        const bytes = decodeWord(w);
        if (!bytes) return refuse(`'${w}' is not an encoded word`);
        try {
          decoded.push(utf8.decode(bytes));
        } catch {
          return refuse('a value is not UTF-8 (fleet records only the text of its playbooks)');
        }
      }
      values = decoded;
    } else {
      // an earlier fleet wrote `file PATH` / `created PATH` (the rest of the line), `pkg NAME VERSION`...
      const sp = line.indexOf(' ');
      if (sp < 0) return refuse('not a manifest line');
      kind = line.slice(0, sp);
      values = kind === 'file' || kind === 'created' ? [line.slice(sp + 1)] : line.slice(sp + 1).split(' ');
    }
    const e = entryOf(kind, values);
    if (typeof e === 'string') refuse(e);
    else out.entries.push(e);
  });
  return out;
}
