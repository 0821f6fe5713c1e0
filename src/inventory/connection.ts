// Host variables -> how to reach the host. The `ansible_` spelling wins when both are set.
import { homedir } from 'node:os';
import type { ConnectionSpec } from '../transport/transport.js';
import type { Vars } from '../types.js';

const pick = (vars: Vars, ...names: string[]): unknown => {
  for (const n of names) if (vars[n] !== undefined && vars[n] !== null) return vars[n];
  return undefined;
};
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const tilde = (p: string) => (p.startsWith('~/') ? `${homedir()}${p.slice(1)}` : p);

export function toConnectionSpec(vars: Vars): ConnectionSpec {
  const conn = String(pick(vars, 'ansible_connection', 'connection') ?? 'ssh');
  const name = String(vars.inventory_hostname ?? 'localhost');
  const timeout = pick(vars, 'ansible_timeout', 'connect_timeout');
  const knownHosts = list(pick(vars, 'known_hosts_file', 'ansible_ssh_known_hosts_file')).map(tilde);
  return {
    connection: conn === 'local' ? 'local' : 'ssh',
    host: String(pick(vars, 'ansible_host', 'host') ?? name),
    port: Number(pick(vars, 'ansible_port', 'port') ?? 22),
    user: pick(vars, 'ansible_user', 'user') as string | undefined,
    identityFiles: list(pick(vars, 'ansible_ssh_private_key_file', 'identity_file')).map(tilde),
    knownHostsFiles: knownHosts.length ? knownHosts : undefined,
    proxyJump: pick(vars, 'proxy_jump', 'ansible_ssh_proxy_jump') as string | undefined,
    connectTimeoutMs: timeout === undefined ? undefined : Number(timeout) * 1000,
  };
}

export function becomeOf(vars: Vars): { become: boolean; becomeUser?: string } {
  const b = pick(vars, 'ansible_become', 'become');
  return {
    become: b === true || (typeof b === 'string' && /^(true|yes|1)$/i.test(b)),
    becomeUser: pick(vars, 'ansible_become_user', 'become_user') as string | undefined,
  };
}
