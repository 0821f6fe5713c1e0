// What the running dockerd has taken from its configuration (docker info), how it was started (its
// command line: a key given both as a flag and in daemon.json stops dockerd from starting), and
// whether this dockerd can check a daemon.json before it is installed (`--validate`, Docker 23+).
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import { records } from './records.js';

export interface DockerDaemonState {
  installed: boolean;
  /** `dockerd --validate --config-file F` exists (Docker 23.0 and later) */
  canValidate: boolean;
  /** the running dockerd's arguments, empty when it is not running */
  args: string[];
  /** docker info answered */
  running: boolean;
  liveRestore: boolean;
  loggingDriver: string;
  /** docker info's SecurityOptions: 'name=seccomp,profile=default', 'name=userns', … */
  securityOptions: string[];
  containersRunning: number;
  /** the dockerd process id, to tell a restart from a reload */
  pid?: number;
}

export function dockerDaemonFact(): Fact<DockerDaemonState> {
  return {
    key: 'docker:daemon',
    probe: raw(`if command -v dockerd >/dev/null; then
echo installed=1
dockerd --help 2>&1 | grep -q -- '--validate' && echo validate=1
pid=$(pidof dockerd 2>/dev/null | cut -d' ' -f1)
if [ -n "$pid" ]; then echo "pid=$pid"; printf 'args='; tr '\\0' '\\n' < /proc/$pid/cmdline 2>/dev/null | base64 -w0; echo; fi
info=$(timeout 20 docker info --format '{{.LiveRestoreEnabled}}|{{.LoggingDriver}}|{{.ContainersRunning}}|{{range .SecurityOptions}}{{.}};{{end}}' 2>/dev/null) && echo "info=$info"
fi
true`),
    // the pid and the count of running containers change without any change of configuration
    fingerprint: (v) => ({ ...v, pid: undefined, containersRunning: undefined }),
    parse: parseDockerDaemon,
  };
}

export function parseDockerDaemon(out: string): DockerDaemonState {
  const { get } = records(out);
  const info = get('info');
  const [live = '', driver = '', running = '0', sec = ''] = (info ?? '').split('|');
  const args = Buffer.from(get('args') ?? '', 'base64').toString('utf8').split('\n').filter(Boolean);
  const pid = get('pid');
  return {
    installed: get('installed') === '1',
    canValidate: get('validate') === '1',
    args: args.slice(1),
    running: info !== undefined,
    liveRestore: live === 'true',
    loggingDriver: driver,
    securityOptions: sec.split(';').filter(Boolean),
    containersRunning: Number(running) || 0,
    ...(pid ? { pid: Number(pid) } : {}),
  };
}
