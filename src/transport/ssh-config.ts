// ~/.ssh/config: Host blocks with patterns and negation, first obtained value wins (OpenSSH
// semantics), Include. StrictHostKeyChecking is deliberately ignored: fleet is always strict.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export interface SshConfigEntry {
  patterns: string[];
  options: [string, string][];
}

const tilde = (p: string) => (p.startsWith('~/') ? join(homedir(), p.slice(2)) : p);

export function parseSshConfig(text: string, baseDir = join(homedir(), '.ssh'), depth = 0): SshConfigEntry[] {
  const entries: SshConfigEntry[] = [{ patterns: ['*'], options: [] }];
  let cur = entries[0]!;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+?)\s*(?:=\s*|\s+)(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    const value = m[2]!.replace(/^"(.*)"$/, '$1');
    if (key === 'host') {
      cur = { patterns: value.split(/\s+/), options: [] };
      entries.push(cur);
    } else if (key === 'match') {
      cur = { patterns: ['!*'], options: [] }; // Match blocks are not supported: never apply them
      entries.push(cur);
    } else if (key === 'include' && depth < 8) {
      for (const f of value.split(/\s+/)) {
        const path = isAbsolute(tilde(f)) ? tilde(f) : join(baseDir, f);
        if (existsSync(path)) for (const e of parseSshConfig(readFileSync(path, 'utf8'), baseDir, depth + 1)) entries.push(cur.patterns.includes('*') ? e : { patterns: cur.patterns, options: e.options });
      }
    } else cur.options.push([key, value]);
  }
  return entries;
}

function hostMatches(patterns: string[], host: string): boolean {
  let ok = false;
  for (const p of patterns) {
    const neg = p.startsWith('!');
    const re = new RegExp(`^${(neg ? p.slice(1) : p).replace(/[.+^${}()|\\[\]]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (re.test(host)) {
      if (neg) return false;
      ok = true;
    }
  }
  return ok;
}

export interface SshHostConfig {
  hostname?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFiles: string[];
}

export function lookupHost(entries: readonly SshConfigEntry[], host: string): SshHostConfig {
  const first = new Map<string, string>();
  const identity: string[] = [];
  for (const e of entries) {
    if (!hostMatches(e.patterns, host)) continue;
    for (const [k, v] of e.options) {
      if (k === 'identityfile') identity.push(tilde(v));
      else if (!first.has(k)) first.set(k, v);
    }
  }
  const hostname = first.get('hostname')?.replace(/%h/g, host);
  const proxy = first.get('proxyjump');
  return {
    hostname,
    user: first.get('user'),
    port: first.has('port') ? Number(first.get('port')) : undefined,
    identityFiles: identity,
    proxyJump: proxy && proxy.toLowerCase() !== 'none' ? proxy : undefined,
    userKnownHostsFiles: first.get('userknownhostsfile')?.split(/\s+/).map(tilde) ?? [],
  };
}

export function loadSshConfig(file: string | false | undefined): SshConfigEntry[] {
  if (file === false) return [];
  const path = file ?? join(homedir(), '.ssh', 'config');
  return existsSync(path) ? parseSshConfig(readFileSync(path, 'utf8')) : [];
}
