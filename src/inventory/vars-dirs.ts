// group_vars/ and host_vars/ as Ansible's host_group_vars plugin finds them, next to each inventory
// source and next to the playbook: for a group or host NAME, the first of NAME, NAME.yml,
// NAME.yaml, NAME.json that exists; if it is a directory, every file in it (sorted, recursively,
// skipping hidden files and ~ backups, only those with no extension or one of those three),
// merged in that order. Empty files count as no variables.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { invalid } from '../errors.js';
import { parseYaml, readTextFile } from '../playbook/yaml-source.js';
import type { Vars } from '../types.js';
import { assignVars } from './build.js';

const EXTS = ['.yml', '.yaml', '.json'];

export type VarsKind = 'group_vars' | 'host_vars';

/** Reads each file once per cache; a cache lives as long as one inventory resolution. */
export class VarsDirs {
  private readonly files = new Map<string, Vars>();

  /** the variables `base`/`kind`/ gives `name`, or undefined when none */
  varsOf(base: string, kind: VarsKind, name: string): Vars | undefined {
    if (name.startsWith('/')) return undefined; // as Ansible: a chroot-style host name has none
    const dir = join(base, kind);
    if (!isDir(dir)) return undefined;
    const found = findVarsFiles(dir, name);
    if (found.length === 0) return undefined;
    const out: Vars = {};
    for (const f of found) assignVars(out, this.load(f));
    return out;
  }

  /** true when `base` has a group_vars/ or host_vars/ directory at all (cheap, to skip work) */
  static any(base: string): boolean {
    return isDir(join(base, 'group_vars')) || isDir(join(base, 'host_vars'));
  }

  private load(file: string): Vars {
    let v = this.files.get(file);
    if (!v) {
      const text = readTextFile(file, 'vars file');
      const json = asJson(text);
      if (text.trim() === '') v = {};
      else if (json !== undefined) {
        // as Ansible's loader: text that is JSON is read as JSON (1e3 is a number there, a string in YAML 1.1)
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(`vars file ${file} must be a mapping of variable names to values`, { file, line: 1, column: 1 });
        v = json as Vars;
      } else {
        const src = parseYaml(text, file, 'vars file');
        const js = src.doc.toJS({ maxAliasCount: 1000 }) as unknown;
        if (js === null || js === undefined) v = {};
        else if (typeof js !== 'object' || Array.isArray(js)) throw invalid(`vars file ${file} must be a mapping of variable names to values`, src.loc(src.doc.contents));
        else v = js as Vars;
      }
      this.files.set(file, v);
    }
    return v;
  }
}

function asJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function findVarsFiles(dir: string, name: string): string[] {
  for (const ext of ['', ...EXTS]) {
    const p = join(dir, name + ext);
    if (!existsSync(p)) continue;
    return isDir(p) ? dirFiles(p) : [p];
  }
  return [];
}

function dirFiles(dir: string): string[] {
  const out: string[] = [];
  // Python's sorted(): by code point, as JavaScript's default sort of strings (UTF-16, same for BMP)
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry.endsWith('~')) continue;
    const p = join(dir, entry);
    const ext = extname(entry);
    if (isDir(p)) {
      if (!ext) out.push(...dirFiles(p));
    } else if (!ext || EXTS.includes(ext)) out.push(p);
  }
  return out;
}
