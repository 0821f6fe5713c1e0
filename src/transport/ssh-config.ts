// ~/.ssh/config: Host blocks (patterns, negation, several per line), first obtained value wins
// (OpenSSH semantics), IdentityFile accumulates, Include (globs, relative to ~/.ssh, conditional
// inside a Host block). Match blocks are not supported and never apply. StrictHostKeyChecking is
// deliberately ignored: fleet is always strict. Parsing and lookup are pure; file access goes
// through `ConfigIo` so tests can feed files from memory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { globMatch, listMatches } from './host-pattern.js';
import { TransportError, type ConnectionSpec } from './transport.js';

export interface SshOption {
  key: string; // lowercased keyword
  value: string;
  file: string;
  line: number;
}

export interface SshConfigBlock {
  /** every pattern list must match (more than one when a Host block Includes a file with Host blocks) */
  when: string[][];
  options: SshOption[];
}

export interface ConfigIo {
  home: string;
  read(path: string): string | undefined;
  list(dir: string): string[];
}

export const fsIo: ConfigIo = {
  home: homedir(),
  read: (p) => (existsSync(p) ? readFileSync(p, 'utf8') : undefined),
  list: (d) => (existsSync(d) ? readdirSync(d) : []),
};

const MAX_INCLUDE_DEPTH = 16; // OpenSSH's READCONF_MAX_DEPTH

export const expandTilde = (p: string, home: string): string => (p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p);

/** Split a config value into words, honouring double quotes (`IdentityFile "/a b/key"`). */
function words(value: string): string[] {
  return [...value.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
}

/** Include targets: `*` and `?` in the last path segment are globbed, sorted as glob(3) does. */
function includeTargets(pattern: string, io: ConfigIo): string[] {
  const abs = isAbsolute(pattern) ? pattern : join(io.home, '.ssh', pattern);
  if (!/[*?]/.test(abs)) return [abs];
  const dir = dirname(abs);
  const base = abs.slice(dir.length + 1);
  return io.list(dir).filter((n) => globMatch(base, n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
}

export function parseSshConfig(text: string, file: string, io: ConfigIo = fsIo, depth = 0, outer: string[][] = []): SshConfigBlock[] {
  // options before the first Host line apply to every host
  let cur: SshConfigBlock = { when: outer, options: [] };
  const blocks = [cur];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const m = /^(\S+?)(?:\s*=\s*|\s+)(.*)$/.exec(line);
    if (!m) return; // a keyword without a value: OpenSSH rejects it; we ignore it rather than fail every host
    const key = m[1]!.toLowerCase();
    const value = m[2]!.trim();
    if (key === 'host') {
      cur = { when: [...outer, words(value)], options: [] };
      blocks.push(cur);
    } else if (key === 'match') {
      cur = { when: [...outer, ['!*']], options: [] }; // unsupported: never applies
      blocks.push(cur);
    } else if (key === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) throw new TransportError('config', `${file}:${i + 1}: Include nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?)`);
      for (const w of words(value)) {
        for (const path of includeTargets(expandTilde(w, io.home), io)) {
          const sub = io.read(path);
          if (sub !== undefined) blocks.push(...parseSshConfig(sub, path, io, depth + 1, cur.when));
        }
      }
      // options after the Include still belong to the enclosing block
      cur = { when: cur.when, options: [] };
      blocks.push(cur);
    } else cur.options.push({ key, value, file, line: i + 1 });
  });
  return blocks.filter((b) => b.options.length > 0);
}

export function loadSshConfig(file: string | false | undefined, io: ConfigIo = fsIo): SshConfigBlock[] {
  if (file === false) return [];
  const path = expandTilde(file ?? join(io.home, '.ssh', 'config'), io.home);
  const text = io.read(path);
  return text === undefined ? [] : parseSshConfig(text, path, io);
}

/** What ~/.ssh/config says about one host name (as typed, before HostName). */
export interface SshHostConfig {
  hostname?: string;
  user?: string;
  port?: number;
  /** accumulated over all matching blocks, in order; unexpanded (~ and % tokens) */
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFiles: string[];
}

export function lookupHost(blocks: readonly SshConfigBlock[], host: string): SshHostConfig {
  const first = new Map<string, SshOption>();
  const identityFiles: string[] = [];
  for (const b of blocks) {
    if (!b.when.every((patterns) => listMatches(patterns, host))) continue;
    for (const o of b.options) {
      if (o.key === 'identityfile') identityFiles.push(...words(o.value));
      else if (!first.has(o.key)) first.set(o.key, o);
    }
  }
  const port = first.get('port');
  const portNumber = port ? Number(port.value) : undefined;
  if (port && !(Number.isInteger(portNumber) && portNumber! >= 1 && portNumber! <= 65535)) {
    throw new TransportError('config', `${port.file}:${port.line}: Port '${port.value}' is not a port number (1-65535); fix the ssh config`);
  }
  const jump = first.get('proxyjump')?.value;
  return {
    hostname: first.get('hostname')?.value.replace(/%(%|h)/g, (_, c: string) => (c === 'h' ? host : '%')),
    user: first.get('user')?.value,
    port: portNumber,
    identityFiles,
    proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined,
    userKnownHostsFiles: words(first.get('userknownhostsfile')?.value ?? ''),
  };
}

// ---- resolution: inventory spec + ssh config -> the chain of hops to connect through ----

/** One SSH hop, fully resolved. */
export interface Hop {
  /** the name as given (inventory host or ProxyJump entry), before HostName */
  alias: string;
  host: string;
  port: number;
  user: string;
  identityFiles: string[];
  knownHostsFiles: string[];
}

export interface ResolvedConnection {
  /** jump hosts, outermost first */
  jumps: Hop[];
  target: Hop;
}

export interface ResolveEnv {
  home: string;
  localUser: string;
}

const GLOBAL_KNOWN_HOSTS = '/etc/ssh/ssh_known_hosts';
const MAX_JUMP_DEPTH = 8;

/** `[user@]host[:port]`, `[v6addr]:port` or `ssh://user@host:port`. */
export function parseJumpHop(text: string): { user?: string; host: string; port?: number } {
  const m = /^(?:ssh:\/\/)?(?:([^@\s]+)@)?(\[[^\]\s]+\]|[^:@[\]\s]+)(?::(\d+))?$/.exec(text.trim());
  const port = m?.[3] ? Number(m[3]) : undefined;
  if (!m || (port !== undefined && (port < 1 || port > 65535))) {
    throw new TransportError('config', `bad ProxyJump hop '${text.trim()}': write [user@]host[:port], several separated by commas`);
  }
  return { user: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port };
}

/** `%d %u %h %r %p %%` tokens and `~` in IdentityFile / UserKnownHostsFile paths. */
function expandPath(p: string, hop: { host: string; user: string; port: number }, env: ResolveEnv): string {
  const tokens: Record<string, string> = { d: env.home, u: env.localUser, h: hop.host, r: hop.user, p: String(hop.port), '%': '%' };
  return expandTilde(p, env.home).replace(/%([duhrp%])/g, (_, c: string) => tokens[c]!);
}

function hop(
  alias: string,
  given: { user?: string; port?: number; identityFiles?: string[]; knownHostsFiles?: string[] },
  blocks: readonly SshConfigBlock[],
  env: ResolveEnv,
): Hop {
  const c = lookupHost(blocks, alias);
  const base = { host: c.hostname ?? alias, port: given.port ?? c.port ?? 22, user: given.user ?? c.user ?? env.localUser };
  const identity = [...(given.identityFiles ?? []), ...c.identityFiles.map((f) => expandPath(f, base, env))];
  const userKnown = c.userKnownHostsFiles.length ? c.userKnownHostsFiles : ['~/.ssh/known_hosts'];
  return {
    alias,
    ...base,
    identityFiles: [...new Set(identity)],
    knownHostsFiles: given.knownHostsFiles ?? [...userKnown.map((f) => expandPath(f, base, env)), GLOBAL_KNOWN_HOSTS],
  };
}

function jumpChain(jump: string | undefined, blocks: readonly SshConfigBlock[], env: ResolveEnv, knownHostsFiles: string[] | undefined, depth: number): Hop[] {
  if (!jump) return [];
  if (depth > MAX_JUMP_DEPTH) throw new TransportError('config', `ProxyJump chain longer than ${MAX_JUMP_DEPTH} hops (a loop in the ssh config?)`);
  const parts = jump.split(',').map(parseJumpHop);
  const hops = parts.map((p) => hop(p.host, { user: p.user, port: p.port, knownHostsFiles }, blocks, env));
  // the first hop is reached the way `ssh FIRST` would reach it: through its own ProxyJump, if any
  const outer = lookupHost(blocks, parts[0]!.host).proxyJump;
  return [...jumpChain(outer, blocks, env, knownHostsFiles, depth + 1), ...hops];
}

/**
 * Pure resolution. Inventory values that are set win over ssh config values, as in Ansible; the
 * port counts as set when it is not 22. Identity files: the inventory's first, then the config's.
 */
export function resolveWithConfig(spec: ConnectionSpec, blocks: readonly SshConfigBlock[], env: ResolveEnv): ResolvedConnection {
  const given = {
    user: spec.user,
    port: spec.port !== 22 ? spec.port : undefined,
    identityFiles: spec.identityFiles.map((f) => expandTilde(f, env.home)),
    knownHostsFiles: spec.knownHostsFiles?.map((f) => expandTilde(f, env.home)),
  };
  const target = hop(spec.host, given, blocks, env);
  const jump = spec.proxyJump ?? lookupHost(blocks, spec.host).proxyJump;
  const none = jump?.trim().toLowerCase() === 'none';
  return { jumps: none ? [] : jumpChain(jump, blocks, env, given.knownHostsFiles, 0), target };
}

export function resolveConnection(spec: ConnectionSpec, io: ConfigIo = fsIo): ResolvedConnection {
  return resolveWithConfig(spec, loadSshConfig(spec.sshConfigFile, io), { home: io.home, localUser: userInfo().username });
}
