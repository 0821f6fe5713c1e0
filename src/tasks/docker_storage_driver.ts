// aufs and devicemapper are gone from current Docker: move to overlay2. Switching hides every image
// and container of the old driver, so the task refuses when there are any, unless told to carry
// the images over (save, switch, load) or to switch anyway. The switch stops every running
// container whatever live-restore says: refused while any runs, unless allow_container_stop.
// dockerd's restart is asked of the engine: one per host after the play's tasks, shared with the
// other daemon.json changes.
import { defineTask, isOk, type RestartRequest } from '../types.js';
import { bool, doc, object, oneOf, parseArgs, withDefault } from '../schema/schema.js';
import { sh, type Script } from '../shell/sh.js';
import { dockerInfoFact, type DockerInfo } from '../facts/docker.js';
import { fileFact } from '../facts/file.js';
import { jsonFileTask } from './json_file.js';

const DAEMON = '/etc/docker/daemon.json';
const DTYPE_OK = new Set(['ext2/ext3', 'tmpfs', 'btrfs', 'zfs']);

/** Why overlay2 cannot run here, or undefined. */
export function overlayBlocker(info: DockerInfo): string | undefined {
  const major = Number(/^(\d+)/.exec(info.kernel)?.[1] ?? 0);
  if (major < 4) return `kernel ${info.kernel} is older than 4.0`;
  if (info.backingFs === 'xfs' && info.xfsFtype !== 1) return `${info.rootDir} is on xfs without ftype=1 (no d_type): reformat with mkfs.xfs -n ftype=1`;
  if (info.backingFs !== 'xfs' && !DTYPE_OK.has(info.backingFs)) return `${info.rootDir} is on ${info.backingFs || 'an unknown filesystem'}, which fleet cannot confirm supports d_type (use ext4 or xfs with ftype=1, or set force: true)`;
  return undefined;
}

const isTarget = (driver: string, want: string) => driver === want || (want === 'overlay2' && driver === 'overlayfs');

export const dockerStorageDriverTask = defineTask({
  type: 'docker_storage_driver',
  severity: 'high',
  description: 'Switch dockerd to overlay2 (from aufs, devicemapper or vfs): preflight kernel and d_type, refuse when old images or containers would be hidden unless migrate: save-load or force, merge storage-driver into daemon.json keeping every other key, restart, verify.',
  args: object({
    driver: doc(withDefault(oneOf(['overlay2']), 'overlay2'), 'the storage driver to run'),
    migrate: doc(withDefault(oneOf(['refuse', 'save-load']), 'refuse'), "'save-load': save every tagged image, switch, load them back (containers are not migrated)"),
    force: doc(withDefault(bool(), false), 'switch even though old images/containers will be hidden, or d_type cannot be confirmed'),
    allow_container_stop: doc(withDefault(bool(), false), 'switch although containers run: they stop (whatever live-restore says) and stay hidden under the old driver; false: refuse while any runs'),
  }),
  facts: () => ({ info: dockerInfoFact(), daemon: fileFact(DAEMON) }),
  plan(a, { info, daemon }) {
    if (!info.installed) return { ok: 'docker is not installed' };
    if (!info.running) throw new Error('dockerd is not answering (docker info failed); start it before switching the storage driver');
    if (isTarget(info.driver, a.driver)) return { ok: `dockerd already runs ${info.driver}` };
    const blocker = overlayBlocker(info);
    if (blocker && !a.force) throw new Error(`overlay2 cannot run here: ${blocker}`);
    const had = info.images.length + info.containers.length > 0;
    if (had && a.migrate === 'refuse' && !a.force) {
      throw new Error(`dockerd on ${info.driver} has ${info.images.length} images and ${info.containers.length} containers that switching to ${a.driver} would hide; set migrate: save-load (images are saved and loaded back; containers are not migrated) or force: true`);
    }
    const running = info.runningContainers;
    if (running.length && !a.allow_container_stop) {
      throw new Error(`refused, nothing changed: switching to ${a.driver} stops the ${running.length} running container${running.length === 1 ? '' : 's'} (${running.join(', ')}) whatever live-restore says, and they stay hidden under /var/lib/docker/${info.driver}; stop them yourself, or set allow_container_stop: true`);
    }
    const json = jsonFileTask.plan(parseArgs(jsonFileTask.args, { path: DAEMON, set: { 'storage-driver': a.driver } }), { now: daemon });
    const write: Script[] = isOk(json) ? [] : json.flatMap((c) => c.steps);
    const save = a.migrate === 'save-load' && info.images.length > 0;
    const steps: Script[] = [];
    if (save) {
      steps.push(
        sh`fleet_mig=/var/lib/fleet/storage-migration/$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$fleet_mig"; echo "$fleet_mig" > /var/lib/fleet/storage-migration/last`,
        sh`[ "$(df --output=avail -B1 /var/lib/fleet | tail -n1)" -gt ${info.imageBytes} ] || { echo "not enough free space in /var/lib/fleet to save ${info.imageBytes} bytes of images" >&2; exit 1; }`,
        sh`docker save -o "$(cat /var/lib/fleet/storage-migration/last)/images.tar" ${info.images}`,
      );
    }
    steps.push(...write);
    // the images come back once dockerd runs the new driver, after the one restart of the play
    const restart: RestartRequest = { service: 'docker', how: 'restart', why: `storage driver ${info.driver} -> ${a.driver}`, stopsContainers: true, allowContainerStop: a.allow_container_stop };
    if (save) restart.after = [sh`docker load -q -i "$(cat /var/lib/fleet/storage-migration/last)/images.tar"`, sh`echo moved images: ${info.images}`];
    const warnings: string[] = [];
    if (info.containers.length) warnings.push(`containers are not migrated and stay hidden under /var/lib/docker/${info.driver}: ${info.containers.join(', ')}`);
    if (had && !save) warnings.push(`images of ${info.driver} stay hidden under /var/lib/docker/${info.driver}`);
    if (blocker) warnings.push(`forced past the preflight: ${blocker}`);
    return [
      {
        summary: `switch dockerd from ${info.driver} to ${a.driver}${save ? `, carrying ${info.images.length} images over (${info.images.join(', ')})` : ''}; docker restarts once after the play's tasks${running.length ? `, stopping ${running.join(', ')} (allow_container_stop)` : ''}`,
        diff: isOk(json) ? undefined : json[0]!.diff,
        steps,
        // the file is written now; dockerd (docker:info) changes with the restart, after which the
        // engine re-reads this task's facts to verify it
        invalidates: [`file:${DAEMON}`],
        ...(isOk(json) ? {} : { predicts: json[0]!.predicts }),
        restarts: [restart],
        warnings: warnings.length ? warnings : undefined,
      },
    ];
  },
  verify(a, { info }) {
    return isTarget(info.driver, a.driver) ? undefined : `docker info reports ${info.driver || 'nothing'}, not ${a.driver}`;
  },
});
