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
export function words(text: string): string[] {
  try {
    return splitWords(text);
  } catch {
    return [];
  }
}

/** dockerd flags that take a value (the next word unless given as --flag=value, -Hvalue, -H=value) */
const VALUED = ['-H', '--host', '--tlscacert', '--tlscert', '--tlskey'];
const BOOLS = ['--tls', '--tlsverify'];
export const HOST_FLAGS = ['-H', '--host'];
export const TLS_FLAGS = [...BOOLS, '--tlscacert', '--tlscert', '--tlskey'];

export interface DockerdFlag {
  name: string;
  /** the value of a valued flag; a boolean flag's `=value`, if any */
  value?: string;
  /** where it starts in the argument list, and how many words it takes */
  index: number;
  count: number;
}

/** The socket and TLS flags of one argument list: `--flag=v`, `--flag v`, `-H v`, `-Hv`. Every
 *  other word is skipped (one parser for reading them and for removing them). */
export function dockerdFlags(args: readonly string[]): DockerdFlag[] {
  const out: DockerdFlag[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : /^-H./.test(a) ? '-H' : a;
    const inline = eq > 0 ? a.slice(eq + 1) : /^-H./.test(a) ? a.slice(2).replace(/^=/, '') : undefined;
    if (BOOLS.includes(name)) out.push({ name, ...(inline === undefined ? {} : { value: inline }), index: i, count: 1 });
    else if (VALUED.includes(name)) {
      const next = inline === undefined && i + 1 < args.length;
      out.push({ name, value: inline ?? args[i + 1] ?? '', index: i, count: next ? 2 : 1 });
      if (next) i++;
    }
  }
  return out;
}

/** `args` without the flags `drop` picks; `dropped` as they were written, one string per flag. */
export function withoutFlags(args: readonly string[], drop: (f: DockerdFlag) => boolean): { kept: string[]; dropped: string[] } {
  const gone = dockerdFlags(args).filter(drop);
  const skip = new Set(gone.flatMap((f) => Array.from({ length: f.count }, (_, k) => f.index + k)));
  return { kept: args.filter((_, i) => !skip.has(i)), dropped: gone.map((f) => args.slice(f.index, f.index + f.count).join(' ')) };
}

/** -H/--host values and TLS flags of one argument list. */
function fromArgs(args: readonly string[], from: string, c: DockerdConfig): void {
  for (const f of dockerdFlags(args)) {
    if (BOOLS.includes(f.name)) {
      const on = f.value === undefined || f.value === 'true' || f.value === '1';
      if (f.name === '--tls') c.tls = on;
      else c.tlsverify = on;
      c.tlsFrom.push(`${args[f.index]!} (${from})`);
    } else if (f.name === '--tlscacert') c.cacert = f.value;
    else if (f.name === '--tlscert') c.cert = f.value;
    else if (HOST_FLAGS.includes(f.name)) c.hosts.push({ value: f.value ?? '', from });
  }
}

/** The last ExecStart of a `systemctl cat` text (`ExecStart=` resets, so the last one wins), and
 *  the file it is in (systemctl cat heads each file with `# /path`). */
export function execStart(unit: string | undefined): { line: string; source?: string } | undefined {
  if (!unit) return undefined;
  let found: { line: string; source?: string } | undefined;
  let source: string | undefined;
  for (const line of unit.replace(/\\\n/g, ' ').split('\n')) {
    const head = /^# (\/\S+)$/.exec(line);
    if (head) source = head[1];
    const m = /^ExecStart=(.*)$/.exec(line.trim());
    if (m) found = { line: m[1]!, ...(source ? { source } : {}) };
  }
  return found;
}

/** An environment file's value as the words it expands to: the file's quoting first
 *  (DOCKER_OPTS="-H tcp://…"), then the unquoted $DOCKER_OPTS splitting. */
export const optsWords = (value: string): string[] => words(words(value).join(' '));

/** The DOCKER_OPTS value of an environment file's text, as words. */
export const dockerOpts = (defaults: string | undefined): string[] => optsWords(/^\s*DOCKER_OPTS=(.*)$/m.exec(defaults ?? '')?.[1] ?? '');

/** The arguments of a `systemctl cat` text's ExecStart, with $DOCKER_OPTS / ${DOCKER_OPTS}
 *  expanded from the environment file text. */
export function unitArgs(unit: string | undefined, defaults: string | undefined): string[] {
  const exec = execStart(unit)?.line ?? '';
  if (!exec) return [];
  return words(exec).flatMap((w) => (/^\$\{?DOCKER_OPTS\}?$/.test(w) ? dockerOpts(defaults) : [w])).slice(1);
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
