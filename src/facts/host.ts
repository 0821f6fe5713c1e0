// Facts every play gets for `when`: OS, container type, init system, Docker presence.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface HostFacts {
  os: { id: string; version_id: string; codename: string; family: string };
  kernel: string;
  arch: string;
  user: string;
  /** systemd-detect-virt --container: 'none', 'lxc', 'docker', … */
  container: string;
  systemd: boolean;
  apt: boolean;
  docker: { installed: boolean; running: boolean; version: string; driver: string };
  /** perl on the PATH: fleet's later scripts on this host then leave out their shell fallbacks */
  perl: boolean;
}

const probe = raw(`. /etc/os-release 2>/dev/null
echo "os_id=\${ID:-}"; echo "os_version_id=\${VERSION_ID:-}"; echo "os_codename=\${VERSION_CODENAME:-}"; echo "os_like=\${ID_LIKE:-}"
u=$(uname -rm); echo "kernel=\${u% *}"; echo "arch=\${u##* }"; echo "user=$(id -un)"
c=$(systemd-detect-virt --container 2>/dev/null) || c=$(cat /run/systemd/container 2>/dev/null) || c=none
echo "container=\${c:-none}"
[ -d /run/systemd/system ] && echo systemd=1
command -v apt-get >/dev/null && echo apt=1
command -v perl >/dev/null && echo perl=1
command -v dockerd >/dev/null && echo docker_installed=1
if command -v docker >/dev/null && [ -S /var/run/docker.sock ]; then
  d=$(timeout 10 docker info --format '{{.ServerVersion}}|{{.Driver}}' 2>/dev/null) && echo "docker_info=$d"
fi
true`);

export function hostFacts(): Fact<HostFacts> {
  return {
    key: 'host:base',
    // no exit, and the variables it sets are its own: runs without a subshell
    inline: true,
    probe,
    parse(stdout) {
      const kv = new Map<string, string>();
      for (const line of stdout.split('\n')) {
        const i = line.indexOf('=');
        if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1));
      }
      const g = (k: string) => kv.get(k) ?? '';
      const [dv = '', drv = ''] = g('docker_info').split('|');
      const id = g('os_id');
      return {
        os: { id, version_id: g('os_version_id'), codename: g('os_codename'), family: [id, ...g('os_like').split(' ')].includes('debian') ? 'debian' : g('os_like').split(' ')[0] || id },
        kernel: g('kernel'),
        arch: g('arch'),
        user: g('user'),
        container: g('container') || 'none',
        systemd: kv.has('systemd'),
        apt: kv.has('apt'),
        docker: { installed: kv.has('docker_installed'), running: kv.has('docker_info'), version: dv, driver: drv },
        perl: kv.has('perl'),
      };
    },
  };
}
