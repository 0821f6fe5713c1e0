// Daemon hardening in /etc/docker/daemon.json: live-restore, json-file log rotation,
// no-new-privileges, userns-remap. Merged keeping every other key, checked with
// `dockerd --validate` where dockerd has it, then taken by a reload (SIGHUP) when every changed key
// is one dockerd reloads, else by a restart. The plan says which and why; verify asks docker info.
import { defineTask, type FactValues, type Plan, type RestartRequest } from '../types.js';
import { bool, doc, int, object, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { dockerDaemonFact, type DockerDaemonState } from '../facts/docker_daemon.js';
import { fileFact } from '../facts/file.js';
import { currentText, planContent } from './lib/content.js';
import { deepEqual, deepMerge, isObj, keyChanges, parseJsonFile, removePaths, type JsonObject } from './lib/json-merge.js';

const DAEMON = '/etc/docker/daemon.json';

/** daemon.json keys dockerd takes on SIGHUP (moby daemon/reload.go); every other key needs a restart. */
export const RELOADABLE = new Set([
  'debug', 'labels', 'live-restore', 'max-concurrent-downloads', 'max-concurrent-uploads', 'max-download-attempts',
  'default-runtime', 'runtimes', 'authorization-plugins', 'insecure-registries', 'registry-mirrors', 'shutdown-timeout', 'features',
]);

/** daemon.json key -> the dockerd flag that sets the same thing (both at once: dockerd refuses to start). */
const FLAGS: Record<string, string> = {
  'live-restore': '--live-restore',
  'log-driver': '--log-driver',
  'log-opts': '--log-opt',
  'no-new-privileges': '--no-new-privileges',
  'userns-remap': '--userns-remap',
};

const SIZE = /^[1-9]\d*[kmg]?$/;

const args = object({
  live_restore: doc(withDefault(bool(), true), 'live-restore: containers keep running while dockerd restarts or hangs'),
  log_max_size: doc(withDefault(string(), '10m'), "json-file log rotation: max-size of one log file, e.g. '10m' (sets log-driver: json-file)"),
  log_max_file: doc(withDefault(int({ min: 1, max: 1000 }), 3), 'json-file log rotation: log files kept per container (written as a string, as Docker requires)'),
  no_new_privileges: doc(optional(bool()), 'no-new-privileges for every container (setuid binaries in containers stop gaining privileges); unset: left as it is'),
  userns_remap: doc(optional(string()), "userns-remap: 'default' or user[:group]; false removes the key; unset: left as it is"),
  logs: doc(withDefault(bool(), true), 'false: leave log-driver and log-opts alone'),
  restart_docker: doc(withDefault(bool(), true), 'reload or restart dockerd when daemon.json changed; false: leave it to a handler'),
}, (a, path) => {
  if (!SIZE.test(a.log_max_size)) throw new SchemaError([...path, 'log_max_size'], `must be a size such as 10m, 512k or 1g, got '${a.log_max_size}'`);
  if (a.userns_remap !== undefined && !/^(false|[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?)$/.test(a.userns_remap)) throw new SchemaError([...path, 'userns_remap'], `must be 'default', user or user:group, got '${a.userns_remap}'`);
});
type Args = ReturnType<typeof args.parse>;

// how dockerd is restarted (systemd or not) is the engine's business (tasks/lib/service-restart.ts)
const facts = () => ({ daemon: fileFact(DAEMON), dockerd: dockerDaemonFact() });
type Now = FactValues<ReturnType<typeof facts>>;

/** The keys to set and remove, as the arguments ask. */
export function wanted(a: Args): { set: JsonObject; remove: string[] } {
  const set: JsonObject = { 'live-restore': a.live_restore };
  if (a.logs) set['log-driver'] = 'json-file';
  if (a.logs) set['log-opts'] = { 'max-size': a.log_max_size, 'max-file': String(a.log_max_file) };
  if (a.no_new_privileges !== undefined) set['no-new-privileges'] = a.no_new_privileges;
  const remove: string[] = [];
  if (a.userns_remap === 'false' || a.userns_remap === '') remove.push('userns-remap');
  else if (a.userns_remap !== undefined) set['userns-remap'] = a.userns_remap;
  return { set, remove };
}

const flagged = (key: string, d: DockerDaemonState) => d.args.some((x) => x === FLAGS[key] || x.startsWith(`${FLAGS[key]}=`));

/** What docker info says the daemon is not doing yet, against the file's settings. Keys that
 *  dockerd's command line sets are its business, not the file's: never compared. */
function notTaken(conf: JsonObject, d: DockerDaemonState): string[] {
  const out: string[] = [];
  if (!flagged('live-restore', d) && (conf['live-restore'] === true) !== d.liveRestore) out.push('live-restore');
  if (typeof conf['log-driver'] === 'string' && conf['log-driver'] !== d.loggingDriver) out.push('log-driver');
  const userns = d.securityOptions.some((o) => o === 'name=userns' || o.startsWith('name=userns,'));
  if (!flagged('userns-remap', d) && (typeof conf['userns-remap'] === 'string' && conf['userns-remap'] !== '') !== userns) out.push('userns-remap');
  return out;
}

/** How dockerd takes the changed keys: a reload (SIGHUP) when every one is reloadable, else a
 *  restart, both asked of the engine, which runs one per host after the play's tasks (with
 *  live-restore reloaded first where daemon.json turns it on, so running containers survive). */
function take(changed: string[]): { request: RestartRequest; how: string } {
  const top = [...new Set(changed.map((k) => k.split('.')[0]!))];
  const cold = top.filter((k) => !RELOADABLE.has(k));
  if (!cold.length) return { request: { service: 'docker', how: 'reload', why: `daemon.json ${top.join(', ')}` }, how: `docker reloads (SIGHUP) after the play's tasks: ${top.join(', ')} ${top.length > 1 ? 'are' : 'is'} reloadable, running containers are untouched` };
  return { request: { service: 'docker', how: 'restart', why: `daemon.json ${top.join(', ')}` }, how: `docker restarts once after the play's tasks: ${cold.join(', ')} ${cold.length > 1 ? 'are' : 'is'} not reloadable` };
}

function plan(a: Args, now: Now): Plan {
  if (!now.dockerd.installed) return { ok: 'docker is not installed' };
  const { set, remove } = wanted(a);
  const text = currentText(DAEMON, now.daemon);
  const before = parseJsonFile(DAEMON, text ?? '');
  if (!isObj(before)) throw new Error(`${DAEMON} holds a JSON ${Array.isArray(before) ? 'array' : typeof before}, not an object; fix it by hand`);
  const after = removePaths(deepMerge(before, set), remove);
  const clash = Object.keys(FLAGS).filter((k) => Object.hasOwn(after, k) && flagged(k, now.dockerd));
  if (clash.length) throw new Error(`dockerd runs with ${clash.map((k) => FLAGS[k]).join(', ')} on its command line and ${DAEMON} would set ${clash.join(', ')} too: dockerd refuses to start with a key given both ways; drop the flag from its unit (systemctl edit docker) first`);
  const running = now.dockerd.running;
  const userns = typeof set['userns-remap'] === 'string' ? [`userns-remap: dockerd keeps images and containers under /var/lib/docker/<uid>.<gid>: the ones it has now are hidden until the key is removed`] : [];

  if (text === undefined || !deepEqual(before, after)) {
    const validate = now.dockerd.canValidate ? 'dockerd --validate --config-file %s >/dev/null' : undefined;
    const write = planContent(DAEMON, now.daemon, `${JSON.stringify(after, null, 2)}\n`, { validate });
    if (!Array.isArray(write)) return write;
    const { set: changedSet, removed } = keyChanges(before, after);
    const changed = [...changedSet, ...removed];
    const what = [...(changedSet.length ? [`set ${changedSet.join(', ')}`] : []), ...(removed.length ? [`remove ${removed.join(', ')}`] : [])].join('; ');
    const c = write[0]!;
    const warnings = [...(changed.some((k) => k.startsWith('log-')) ? ['log options apply to containers created from now on; existing ones keep theirs until re-created'] : []), ...(changed.includes('userns-remap') ? userns : [])];
    if (!now.dockerd.canValidate) warnings.push('this dockerd has no --validate (Docker < 23): the file is checked as JSON only, dockerd reads it when it restarts');
    let summary = `${c.summary}: ${what}`;
    const restarts: RestartRequest[] = [];
    if (running && a.restart_docker) {
      const t = take(changed);
      summary += `; ${t.how}`;
      restarts.push(t.request);
    } else if (running) warnings.push('restart_docker is false: dockerd takes the change only when reloaded or restarted (notify a handler)');
    else summary += ' (dockerd is not running: it reads the file when it starts)';
    // the file is all this change touches; the daemon's state moves with the restart, after which
    // the engine re-reads every fact of this task to verify it
    return [{ ...c, summary, ...(warnings.length ? { warnings } : {}), ...(restarts.length ? { restarts } : {}) }];
  }
  // the file is right: does the running daemon run with it?
  if (running && a.restart_docker) {
    const stale = notTaken(after, now.dockerd);
    if (stale.length) {
      const t = take(stale);
      return [{ summary: `dockerd does not run with ${DAEMON} yet (${stale.join(', ')} differ in docker info): ${t.how}`, steps: [], invalidates: [], restarts: [t.request] }];
    }
  }
  const parts = [`live-restore ${after['live-restore'] ? 'on' : 'off'}`];
  if (a.logs) parts.push(`json-file logs rotated at ${(after['log-opts'] as JsonObject)['max-size']} x ${(after['log-opts'] as JsonObject)['max-file']}`);
  if (Object.hasOwn(after, 'no-new-privileges')) parts.push(`no-new-privileges ${after['no-new-privileges'] ? 'on' : 'off'}`);
  if (typeof after['userns-remap'] === 'string') parts.push(`userns-remap ${after['userns-remap']}`);
  return { ok: `${DAEMON} has ${parts.join(', ')}${running ? (a.restart_docker ? ' and dockerd runs with it' : '') : ' (dockerd is not running)'}` };
}

export const dockerDaemonTask = defineTask({
  type: 'docker_daemon',
  severity: 'medium',
  description: 'Daemon hardening in /etc/docker/daemon.json — live-restore, json-file log rotation, no-new-privileges, userns-remap — merged keeping every other key, checked with dockerd --validate where it exists, then a reload (SIGHUP) when every changed key is reloadable, else a restart; verified with docker info.',
  args,
  facts,
  plan,
  verify(a, after) {
    const again = plan(a, after);
    if (Array.isArray(again)) return again.map((c) => c.summary).join('; ');
    if (after.dockerd.installed && a.restart_docker && !after.dockerd.running) return 'dockerd is not answering (docker info failed) after the change';
    return undefined;
  },
});
