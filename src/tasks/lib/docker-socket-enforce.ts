// `tcp: tls` and `tcp: off` of docker_socket_tls, pure: the file changes (daemon.json, DOCKER_OPTS,
// a systemd drop-in), then a restart — hosts and TLS settings are not reloadable (SIGHUP leaves
// dockerd's listeners as they are), asked of the engine: one per host after the play's tasks.
// TLS material is checked before anything is changed.
import { sh, type Script } from '../../shell/sh.js';
import type { Change, CheckResult, Plan, RestartRequest } from '../../types.js';
import type { DockerDaemonState } from '../../facts/docker_daemon.js';
import type { DockerSocketState, TlsFilesState } from '../../facts/docker_socket.js';
import type { FileState } from '../../facts/file.js';
import type { ServiceState } from '../../facts/service.js';
import { currentText, planContent } from './content.js';
import { deepEqual, isObj, keyChanges, parseJsonFile } from './json-merge.js';
import { unitArgs, withoutFlags } from './dockerd-config.js';
import { DEFAULTS, DROPIN, dropRule, isTcp, socketEdits, type SocketEdits, type Want } from './dockerd-sockets.js';
import { tlsRefusals, tlsWarnings } from './docker-tls-preflight.js';

const DAEMON = '/etc/docker/daemon.json';

export interface Now {
  socket: DockerSocketState;
  dockerd: DockerDaemonState;
  daemon: FileState;
  defaults: FileState;
  dropin: FileState;
  svc: ServiceState;
  tlsFiles: TlsFilesState | undefined;
}

export interface EnforceArgs {
  tcp: 'report' | 'tls' | 'off';
  listen: string[];
  cacert?: string;
  cert?: string;
  key?: string;
  restart_docker: boolean;
}

const portOf = (addr: string) => addr.slice(addr.lastIndexOf(':') + 1);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;

/** Why the running dockerd is not what its (already right) configuration says: it was started
 *  before the files were, or another source still gives it a socket. */
function notTaken(want: Want, now: Now, edits: SocketEdits): string[] {
  const out: string[] = [];
  const old = withoutFlags(now.dockerd.args, dropRule(want, edits.json)).dropped;
  if (old.length) out.push(`it runs with ${old.join(', ')}`);
  if (now.socket.ss) {
    const have = [...new Set(now.socket.listeners.map(portOf))].sort();
    const wanted = want.tcp === 'tls' ? [...new Set(want.listen.map(portOf))].sort() : [];
    if (!sameSet(have, wanted)) out.push(`ss shows it on ${have.length ? `TCP ${have.join(', ')}` : 'no TCP port'}, not ${wanted.length ? `TCP ${wanted.join(', ')}` : 'none'}`);
  }
  return out;
}

/** The command line dockerd will get after the changes still has a flag daemon.json now sets (or a
 *  plain TCP host): dockerd would not start, or would keep the listener. Checked on the planned
 *  files, so a restart never runs into it. */
function stillGiven(want: Want, now: Now, edits: SocketEdits): string | undefined {
  if (now.svc.manager === 'systemd' && !now.socket.unit) return 'systemctl cat docker.service showed nothing: where dockerd gets its -H flags is unknown';
  const unit = edits.dropin === undefined ? now.socket.unit : `${now.socket.unit ?? ''}\n# ${DROPIN}\n${edits.dropin}`;
  const left = withoutFlags(unitArgs(unit, edits.defaults ?? now.socket.defaults), dropRule(want, edits.json)).dropped;
  return left.length ? `dockerd would still be started with ${left.join(', ')} after these changes (set somewhere fleet does not edit): remove it by hand` : undefined;
}

function restartRequest(want: Want): RestartRequest {
  const ports = want.tcp === 'tls' ? [...new Set(want.listen.map(portOf))] : [];
  // dockerd reports ready after it listens; ss only confirms (verify judges)
  const after = ports.map((p) => sh`if command -v ss >/dev/null; then for i in $(seq 1 50); do ss -ltn | grep -q ${`:${p} `} && break; sleep 0.2; done; fi`);
  return { service: 'docker', how: 'restart', why: 'listening sockets and TLS settings', ...(after.length ? { after } : {}) };
}

export function enforcePlan(a: EnforceArgs, now: Now, ctx: { keys: string[]; checks: CheckResult[] }): Plan {
  const want: Want = a.tcp === 'tls' ? { tcp: 'tls', listen: a.listen, cacert: a.cacert!, cert: a.cert!, key: a.key! } : { tcp: 'off' };
  const text = currentText(DAEMON, now.daemon);
  const before = parseJsonFile(DAEMON, text ?? '');
  if (!isObj(before)) throw new Error(`${DAEMON} holds a JSON ${Array.isArray(before) ? 'array' : typeof before}, not an object; fix it by hand`);
  const edits = socketEdits(want, { json: before, unit: now.socket.unit, defaults: currentText(DEFAULTS, now.defaults) });
  // the daemon's state changes with every file here: re-gather everything rather than predict
  const whole = (c: Change, summary: string, pre: Script[] = [], post: Script[] = []): Change => ({ summary, steps: [...pre, ...c.steps, ...post], invalidates: ctx.keys, ...(c.diff ? { diff: c.diff } : {}) });
  const changes: Change[] = [];

  if (!deepEqual(before, edits.json)) {
    const w = planContent(DAEMON, now.daemon, `${JSON.stringify(edits.json, null, 2)}\n`, { validate: now.dockerd.canValidate ? 'dockerd --validate --config-file %s >/dev/null' : undefined });
    const k = keyChanges(before, edits.json);
    const what = [...(k.set.length ? [`set ${k.set.join(', ')}`] : []), ...(k.removed.length ? [`remove ${k.removed.join(', ')}`] : [])].join('; ');
    if (Array.isArray(w)) changes.push(whole(w[0]!, `${w[0]!.summary}: ${what}`));
  }
  const dropped = (from: string) => edits.dropped.filter((d) => d.from.startsWith(from)).flatMap((d) => d.flags);
  if (edits.defaults !== undefined) {
    const w = planContent(DEFAULTS, now.defaults, edits.defaults, {});
    if (Array.isArray(w)) changes.push(whole(w[0]!, `${w[0]!.summary}: remove ${dropped('DOCKER_OPTS').join(', ')} from DOCKER_OPTS`));
  }
  if (edits.dropin !== undefined) {
    const w = planContent(DROPIN, now.dropin, edits.dropin, { mode: '0644' });
    const why = dropped('ExecStart').length ? `ExecStart without ${dropped('ExecStart').join(', ')}` : 'ExecStart as dockerd needs it';
    if (Array.isArray(w)) changes.push(whole(w[0]!, `${w[0]!.summary}: ${why}`, [sh`mkdir -p /etc/systemd/system/docker.service.d`], [sh`systemctl daemon-reload`]));
  }

  const running = now.dockerd.running;
  const stale = changes.length ? [] : notTaken(want, now, edits);
  const warnings: string[] = [];
  if ((changes.length || stale.length) && running && a.restart_docker) {
    const summary = changes.length ? "restart docker (once, after the play's tasks): listening sockets and TLS settings are not reloadable" : `dockerd does not run with its configuration yet (${stale.join('; ')}): docker restarts once after the play's tasks`;
    changes.push({ summary, steps: [], invalidates: [], restarts: [restartRequest(want)] });
  } else if (changes.length && running) warnings.push('restart_docker is false: dockerd keeps its old sockets until it restarts (notify a handler that restarts docker)');
  else if (changes.length) changes[changes.length - 1]!.summary += ' (dockerd is not running: it reads these when it starts)';

  if (!changes.length) {
    const ok = want.tcp === 'tls' ? `dockerd listens on TCP only at ${want.listen.join(', ')}, with tlsverify (CA ${want.cacert})` : 'dockerd has no TCP listener (unix socket only)';
    return { ok: running || !a.restart_docker ? ok : `${ok} (dockerd is not running)`, checks: ctx.checks };
  }
  const wrong = stillGiven(want, now, edits);
  if (wrong) throw new Error(`refused, nothing changed: ${wrong}`);
  if (want.tcp === 'tls') {
    const refusals = tlsRefusals(want, now.tlsFiles, now.socket.certs);
    if (refusals.length) throw new Error(`refused, nothing changed: ${refusals.join('; ')}`);
    warnings.push(...tlsWarnings(want, now.tlsFiles));
    // client certificates that would be root without being meant as clients: said, not fixed
    for (const c of ctx.checks) if (c.status === 'finding' && c.id !== 'docker-tcp-no-tls') warnings.push(...c.evidence.map((e) => `${c.id}: ${e}`));
  }
  // TCP addresses that stop answering (daemon.json's and the command line's)
  const wasJson = Array.isArray(before.hosts) ? before.hosts.map(String) : typeof before.hosts === 'string' ? [before.hosts] : [];
  const wasFlags = edits.dropped.flatMap((d) => d.flags).flatMap((f) => /tcp:\/\/\S+/.exec(f) ?? []);
  const lost = [...new Set([...wasJson, ...wasFlags])].filter((h) => isTcp(h) && !(want.tcp === 'tls' && want.listen.includes(h)));
  if (lost.length) warnings.push(`clients of ${lost.join(', ')} lose access${want.tcp === 'tls' ? ': they need a client certificate from the CA and --tlsverify' : ''}`);
  if (warnings.length) changes[0]!.warnings = warnings;
  return changes;
}
