// dockerd's listening sockets and TLS settings, from the three places they can be set: daemon.json,
// the running command line, and the systemd unit (with DOCKER_OPTS from its environment file).
// Pure: the facts hold the texts.
import { splitWords } from '../../shell/words.js';

export interface DockerdConfig {
  /** every -H/--host/"hosts" value, with where it was seen */
  hosts: { value: string; from: string }[];
  tls: boolean;
  tlsverify: boolean;
  /** where TLS was (or was not) switched on, for the evidence */
  tlsFrom: string[];
  cacert?: string;
  cert?: string;
}

/** Split shell words; text that does not parse (a stray quote) counts as having none. */
function words(text: string): string[] {
  try {
    return splitWords(text);
  } catch {
    return [];
  }
}

/** -H/--host values and TLS flags of one argument list: `--flag=v`, `--flag v`, `-H v`, `-Hv`. */
function fromArgs(args: readonly string[], from: string, c: DockerdConfig): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : /^-H./.test(a) ? '-H' : a;
    const inline = eq > 0 ? a.slice(eq + 1) : /^-H./.test(a) ? a.slice(2).replace(/^=/, '') : undefined;
    if (name === '--tls' || name === '--tlsverify') {
      const on = inline === undefined || inline === 'true' || inline === '1';
      if (name === '--tls') c.tls = on;
      else c.tlsverify = on;
      c.tlsFrom.push(`${a} (${from})`);
      continue;
    }
    if (!['-H', '--host', '--tlscacert', '--tlscert'].includes(name)) continue;
    const value = inline ?? args[++i] ?? '';
    if (name === '--tlscacert') c.cacert = value;
    else if (name === '--tlscert') c.cert = value;
    else c.hosts.push({ value, from });
  }
}

/** The arguments of a `systemctl cat` text's ExecStart (the last one wins; `ExecStart=` resets),
 *  with $DOCKER_OPTS / ${DOCKER_OPTS} expanded from the environment file text. */
export function unitArgs(unit: string | undefined, defaults: string | undefined): string[] {
  if (!unit) return [];
  let exec = '';
  for (const line of unit.replace(/\\\n/g, ' ').split('\n')) {
    const m = /^ExecStart=(.*)$/.exec(line.trim());
    if (m) exec = m[1]!;
  }
  const opts = words(/^\s*DOCKER_OPTS=(.*)$/m.exec(defaults ?? '')?.[1] ?? '').join(' ');
  return words(exec).flatMap((w) => (/^\$\{?DOCKER_OPTS\}?$/.test(w) ? words(opts) : [w])).slice(1);
}

export function dockerdConfig(o: { daemonJson?: string; args: readonly string[]; unit?: string; defaults?: string }): DockerdConfig {
  const c: DockerdConfig = { hosts: [], tls: false, tlsverify: false, tlsFrom: [] };
  let json: Record<string, unknown> = {};
  try {
    const v = JSON.parse(o.daemonJson ?? '{}') as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
  } catch {
    // an unreadable daemon.json stops dockerd; docker_daemon reports it
  }
  const hosts = json.hosts;
  for (const h of Array.isArray(hosts) ? hosts : typeof hosts === 'string' ? [hosts] : []) c.hosts.push({ value: String(h), from: '/etc/docker/daemon.json' });
  if (json.tls === true) c.tlsFrom.push('"tls": true (/etc/docker/daemon.json)');
  if (json.tlsverify === true) c.tlsFrom.push('"tlsverify": true (/etc/docker/daemon.json)');
  c.tls = json.tls === true;
  c.tlsverify = json.tlsverify === true;
  if (typeof json.tlscacert === 'string') c.cacert = json.tlscacert;
  if (typeof json.tlscert === 'string') c.cert = json.tlscert;
  // the running command line is what dockerd does now; the unit is what it does after a restart
  // (both count: a listener waiting for the next restart is a finding too)
  if (o.args.length) fromArgs(o.args, 'dockerd command line', c);
  const fromUnit: DockerdConfig = { hosts: [], tls: false, tlsverify: false, tlsFrom: [] };
  fromArgs(unitArgs(o.unit, o.defaults), 'docker.service', fromUnit);
  const seen = new Set(c.hosts.map((h) => h.value));
  c.hosts.push(...fromUnit.hosts.filter((h) => !seen.has(h.value)));
  if (!o.args.length) {
    c.tls ||= fromUnit.tls;
    c.tlsverify ||= fromUnit.tlsverify;
    c.tlsFrom.push(...fromUnit.tlsFrom);
    c.cacert ??= fromUnit.cacert;
    c.cert ??= fromUnit.cert;
  }
  // --tlsverify implies --tls; dockerd's defaults when TLS is on but no file is named
  if (c.tlsverify) c.tls = true;
  if (c.tls) {
    c.cacert ??= '/root/.docker/ca.pem';
    c.cert ??= '/root/.docker/cert.pem';
  }
  return c;
}

export interface TcpEndpoint {
  address: string;
  /** only the loopback interface: reachable by local users, not the network */
  loopback: boolean;
  from: string[];
}

/** TCP endpoints from the configured hosts and the ports ss shows dockerd holding. */
export function tcpEndpoints(c: DockerdConfig, listeners: readonly string[]): TcpEndpoint[] {
  const out = new Map<string, TcpEndpoint>();
  const add = (address: string, from: string) => {
    const e = out.get(address) ?? { address, loopback: /^(127\.|\[::1\]|localhost:)/.test(address), from: [] };
    if (!e.from.includes(from)) e.from.push(from);
    out.set(address, e);
  };
  for (const h of c.hosts) if (/^tcp:\/\//.test(h.value)) add(h.value.replace(/^tcp:\/\//, '').replace(/^:/, '0.0.0.0:'), h.from);
  for (const l of listeners) {
    const addr = l.replace(/^\*:/, '0.0.0.0:').replace(/^\[::\]:/, '0.0.0.0:');
    const port = addr.slice(addr.lastIndexOf(':') + 1);
    // the same port seen by ss as what the configuration says: one endpoint
    const known = [...out.keys()].find((k) => k.endsWith(`:${port}`));
    add(known ?? addr, 'ss -ltnp');
  }
  return [...out.values()];
}
