// Host variables -> how to reach the host and whether to use sudo. When both an `ansible_` name and
// its short form are set, the `ansible_` name wins (it is the more specific, Ansible-compatible one).
// ansible_ssh_common_args and other ssh tuning variables are ignored: ~/.ssh/config covers them.
import { homedir } from 'node:os';
import { invalid } from '../errors.js';
import type { ConnectionSpec } from '../transport/transport.js';
import type { Vars } from '../types.js';
import { pctSpec, type HostVarsLookup } from './pct-connection.js';

const SSH_LIKE = new Set(['ssh', 'smart', 'paramiko', 'paramiko_ssh']);

function pick(vars: Vars, ...names: string[]): { name: string; value: unknown } | undefined {
  for (const name of names) if (Object.hasOwn(vars, name) && vars[name] !== undefined && vars[name] !== null) return { name, value: vars[name] };
  return undefined;
}

const tilde = (p: string) => (p === '~' ? homedir() : p.startsWith('~/') ? `${homedir()}${p.slice(1)}` : p);

/** `lookup` gives other hosts' vars: a pct guest's connection is its node's (pct-connection.ts). */
export function toConnectionSpec(vars: Vars, lookup?: HostVarsLookup): ConnectionSpec {
  const host = String(vars.inventory_hostname ?? 'localhost');
  const bad = (name: string, value: unknown, fix: string) => invalid(`host '${host}': ${name} is ${JSON.stringify(value)}; ${fix}`);
  const str = (...names: string[]): string | undefined => {
    const v = pick(vars, ...names);
    if (v === undefined) return undefined;
    if (typeof v.value === 'object') throw bad(v.name, v.value, 'set it to a single value');
    return String(v.value);
  };
  const list = (...names: string[]): string[] => {
    const v = pick(vars, ...names);
    if (v === undefined) return [];
    const items = Array.isArray(v.value) ? v.value : [v.value];
    if (items.some((x) => typeof x !== 'string' || x === '')) throw bad(v.name, v.value, 'use a path or a list of paths');
    return (items as string[]).map(tilde);
  };
  const num = (names: string[], min: number, max: number, what: string): number | undefined => {
    const v = pick(vars, ...names);
    if (v === undefined) return undefined;
    const n = typeof v.value === 'string' && v.value.trim() !== '' ? Number(v.value) : v.value;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < min || n > max) throw bad(v.name, v.value, `use ${what}`);
    return n;
  };

  const conn = str('ansible_connection', 'connection') ?? 'ssh';
  if (conn === 'pct') return pctSpec({ host, str, num }, lookup, (v) => toConnectionSpec(v), (v) => becomeOf(v).become);
  if (conn !== 'local' && !SSH_LIKE.has(conn)) throw bad('ansible_connection', conn, "fleet connects with 'ssh', 'local' or 'pct'");
  const port = num(['ansible_port', 'ansible_ssh_port', 'port'], 1, 65535, 'a port number 1-65535') ?? 22;
  if (!Number.isInteger(port)) throw bad('ansible_port', port, 'use a port number 1-65535');
  const timeout = num(['ansible_timeout', 'connect_timeout'], 0.001, 86400, 'a number of seconds');
  const commandTimeout = num(['command_timeout'], 1, 7 * 86400, 'a number of seconds');
  const keepalive = num(['keepalive_interval'], 1, 3600, 'a number of seconds');
  // MiB one exec may print; the top stays below the longest string Node can hold (~512 MiB)
  const maxOutput = num(['max_output'], 0.01, 256, 'a number of MiB from 0.01 to 256');
  const knownHosts = list('ansible_ssh_known_hosts_file', 'known_hosts_file');
  return {
    connection: conn === 'local' ? 'local' : 'ssh',
    host: str('ansible_host', 'ansible_ssh_host', 'host') ?? host,
    port,
    user: str('ansible_user', 'ansible_ssh_user', 'user'),
    identityFiles: list('ansible_ssh_private_key_file', 'ansible_private_key_file', 'identity_file'),
    knownHostsFiles: knownHosts.length ? knownHosts : undefined,
    proxyJump: str('ansible_ssh_proxy_jump', 'proxy_jump'),
    connectTimeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    commandTimeoutMs: commandTimeout === undefined ? undefined : Math.round(commandTimeout * 1000),
    keepaliveIntervalMs: keepalive === undefined ? undefined : Math.round(keepalive * 1000),
    maxOutputBytes: maxOutput === undefined ? undefined : Math.round(maxOutput * 2 ** 20),
  };
}

/** sudo or not, and as whom; 'yes', 'true', 'on' and 1 (as written in INI or -e) count as true. */
export function becomeOf(vars: Vars): { become: boolean; becomeUser?: string } {
  const b = pick(vars, 'ansible_become', 'become')?.value;
  const user = pick(vars, 'ansible_become_user', 'become_user')?.value;
  return {
    become: b === true || b === 1 || (typeof b === 'string' && /^(true|yes|on|1)$/i.test(b.trim())),
    becomeUser: user === undefined ? undefined : String(user),
  };
}
