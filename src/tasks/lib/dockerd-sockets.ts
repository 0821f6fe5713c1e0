// Where an enforcing docker_socket_tls puts dockerd's sockets, pure: the daemon.json it wants, and
// the -H / TLS flags to take off the command line (the unit's ExecStart, DOCKER_OPTS). dockerd
// refuses to start when a setting is given both as a flag and in daemon.json ("the following
// directives are specified both as a flag and in the configuration file: hosts"), so once daemon.json
// holds `hosts` no -H may stay anywhere — Debian's and Docker's units both start dockerd with
// `-H fd://`, hence a drop-in that resets ExecStart without it (Docker's documented way).
import { deepEqual, type Json, type JsonObject } from './json-merge.js';
import { dockerdFlags, dockerOpts, optsWords, execStart, HOST_FLAGS, TLS_FLAGS, unitArgs, withoutFlags, words, type DockerdFlag } from './dockerd-config.js';

export const DOCKER_SOCK = 'unix:///var/run/docker.sock';
/** /var/run is a link to /run: either name is the default socket */
const DEFAULT_SOCKS = [DOCKER_SOCK, 'unix:///run/docker.sock'];
/** named to sort after other drop-ins (override.conf from `systemctl edit` included): of several
 *  ExecStart= resets, the last file's wins */
export const DROPIN = '/etc/systemd/system/docker.service.d/zz-fleet-socket-tls.conf';
export const DEFAULTS = '/etc/default/docker';

export type Want = { tcp: 'tls'; listen: string[]; cacert: string; cert: string; key: string } | { tcp: 'off' };

export interface SocketEdits {
  /** daemon.json as it should be (equal to the input when nothing changes) */
  json: JsonObject;
  /** /etc/default/docker as it should be, when it changes */
  defaults?: string;
  /** the drop-in's content, when one is needed (an existing one of fleet's is kept up to date) */
  dropin?: string;
  /** flags taken off the command line, as written, with where */
  dropped: { from: string; flags: string[] }[];
}

export const isTcp = (h: string) => /^tcp:\/\//.test(h);
const hostsOf = (j: JsonObject): string[] | undefined => (Array.isArray(j.hosts) ? j.hosts.map(String) : typeof j.hosts === 'string' ? [j.hosts] : undefined);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;
const unique = (xs: string[]) => [...new Set(xs)];

/** The daemon.json dockerd should read. */
function wantedJson(want: Want, json: JsonObject, commandHosts: string[]): JsonObject {
  const cur = hostsOf(json);
  const out: JsonObject = { ...json };
  if (want.tcp === 'off') {
    if (!cur) return json;
    const left = cur.filter((h) => !isTcp(h));
    // an emptied list would leave dockerd without its unix socket
    const hosts = left.length ? left : [DOCKER_SOCK];
    if (!deepEqual(hosts, cur)) out.hosts = hosts;
    return deepEqual(out, json) ? json : out;
  }
  // unix sockets given elsewhere move into daemon.json with the rest; fd:// (systemd's socket
  // activation of the same /run/docker.sock) becomes the socket itself
  const others = [...(cur ?? []), ...commandHosts].filter((h) => !isTcp(h) && !/^fd:\/\//.test(h) && !DEFAULT_SOCKS.includes(h));
  const desired = unique([DOCKER_SOCK, ...others, ...want.listen]);
  // the same sockets in another order: left as they are
  const hosts: Json = cur && Array.isArray(json.hosts) && sameSet(cur, desired) ? json.hosts : desired;
  const set: JsonObject = { hosts, tlsverify: true, tlscacert: want.cacert, tlscert: want.cert, tlskey: want.key };
  for (const [k, v] of Object.entries(set)) if (!deepEqual(json[k], v)) out[k] = v;
  return deepEqual(out, json) ? json : out;
}

/** Which command-line flags must go: plain TCP always; every -H once daemon.json has hosts; the
 *  TLS flags when daemon.json gets the TLS keys. */
export function dropRule(want: Want, json: JsonObject): (f: DockerdFlag) => boolean {
  const jsonHosts = hostsOf(json) !== undefined;
  return (f) => (HOST_FLAGS.includes(f.name) && (jsonHosts || isTcp(f.value ?? ''))) || (want.tcp === 'tls' && TLS_FLAGS.includes(f.name));
}

/** A word as systemd's ExecStart reads it: plain when safe, else double-quoted. */
const unitWord = (w: string) => (/^[A-Za-z0-9_@%+=:,./${}-]+$/.test(w) ? w : `"${w.replace(/[\\"]/g, '\\$&')}"`);

/** DOCKER_OPTS lines without the dropped flags. What is left goes back between double quotes, so a
 *  word that would need quoting itself is refused rather than guessed at. */
function editDefaults(text: string, drop: (f: DockerdFlag) => boolean): { text: string; dropped: string[] } {
  const dropped: string[] = [];
  const out = text.replace(/^(\s*)DOCKER_OPTS=(.*)$/gm, (line, indent: string, value: string) => {
    const r = withoutFlags(optsWords(value), drop);
    if (!r.dropped.length) return line;
    const odd = r.kept.find((w) => /[\s"'\\$`]/.test(w));
    if (odd !== undefined) throw new Error(`${DEFAULTS}: DOCKER_OPTS has ${r.dropped.join(', ')} to remove and a word fleet will not re-quote (${odd}); remove the flag by hand`);
    dropped.push(...r.dropped);
    return `${indent}DOCKER_OPTS="${r.kept.join(' ')}"`;
  });
  return { text: out, dropped };
}

function dropinText(exec: string[]): string {
  return `# Written by fleet (docker_socket_tls): dockerd takes its sockets and TLS settings from
# /etc/docker/daemon.json; the same flags here would stop it from starting.
[Service]
ExecStart=
ExecStart=${exec.map(unitWord).join(' ')}
`;
}

const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

export function socketEdits(want: Want, now: { json: JsonObject; unit?: string; defaults?: string }): SocketEdits {
  const commandHosts = dockerdFlags(unitArgs(now.unit, now.defaults)).filter((f) => HOST_FLAGS.includes(f.name)).map((f) => f.value ?? '');
  const json = wantedJson(want, now.json, commandHosts);
  const drop = dropRule(want, json);
  const edits: SocketEdits = { json, dropped: [] };

  if (now.defaults !== undefined && dockerOpts(now.defaults).length) {
    const d = editDefaults(now.defaults, drop);
    if (d.dropped.length) {
      edits.defaults = d.text;
      edits.dropped.push({ from: `DOCKER_OPTS in ${DEFAULTS}`, flags: d.dropped });
    }
  }
  const ex = execStart(now.unit);
  if (ex) {
    const [bin = '', ...rest] = words(ex.line);
    const r = withoutFlags(rest, drop);
    const ours = ex.source === DROPIN;
    if (r.dropped.length || ours) {
      // another drop-in sorting after ours would win over its ExecStart: say so, change nothing
      if (!ours && ex.source?.includes('.service.d/') && base(ex.source) > base(DROPIN)) throw new Error(`dockerd's ExecStart comes from ${ex.source}, which overrides fleet's drop-in: remove ${r.dropped.join(', ')} from it by hand`);
      edits.dropin = dropinText([bin, ...r.kept]);
      if (r.dropped.length) edits.dropped.push({ from: `ExecStart in ${ex.source ?? 'docker.service'}`, flags: r.dropped });
    }
  }
  return edits;
}
