// The Docker daemon as `docker info` reports it, plus what a storage switch must know.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import { records } from './records.js';

export interface DockerInfo {
  installed: boolean;
  running: boolean;
  version: string;
  driver: string;
  images: string[];
  /** names of all containers, running or not */
  containers: string[];
  /** names of the running ones (a storage switch stops them) */
  runningContainers: string[];
  /** total size of the images, bytes */
  imageBytes: number;
  rootDir: string;
  /** filesystem type under the root dir (stat -f), and xfs ftype where relevant */
  backingFs: string;
  xfsFtype?: number;
  kernel: string;
  /** bytes free where migrations are kept */
  freeBytes: number;
  liveRestore: boolean;
}

export function dockerInfoFact(): Fact<DockerInfo> {
  return {
    key: 'docker:info',
    probe: raw(`command -v dockerd >/dev/null && echo installed=1
echo "kernel=$(uname -r)"
if info=$(timeout 20 docker info --format '{{.ServerVersion}}|{{.Driver}}|{{.DockerRootDir}}|{{.LiveRestoreEnabled}}' 2>/dev/null); then
  echo "info=$info"
  root=$(echo "$info" | cut -d'|' -f3)
  echo "fs=$(stat -f -c %T "$root" 2>/dev/null)"
  command -v xfs_info >/dev/null && xfs_info "$root" 2>/dev/null | grep -o 'ftype=[01]' | head -n1
  echo "free=$(df --output=avail -B1 /var/lib 2>/dev/null | tail -n1 | tr -d ' ')"
  docker images --format 'image={{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>'
  echo "imagebytes=$(docker image inspect --format '{{.Size}}' $(docker images -q 2>/dev/null) 2>/dev/null | awk '{s+=$1} END {print s+0}')"
  docker ps -a --format 'container={{.Names}}|{{.State}}' 2>/dev/null
fi
true`),
    // which containers run changes without any change of configuration
    fingerprint: (v) => ({ ...v, freeBytes: undefined, runningContainers: undefined }),
    parse(out) {
      const { get, all } = records(out);
      const [version = '', driver = '', rootDir = '', live = ''] = (get('info') ?? '').split('|');
      const ftype = get('ftype');
      return {
        installed: get('installed') === '1',
        running: get('info') !== undefined,
        version,
        driver,
        rootDir,
        liveRestore: live === 'true',
        images: all('image'),
        containers: all('container').map((c) => c.split('|')[0]!),
        runningContainers: all('container').filter((c) => c.split('|')[1] === 'running').map((c) => c.split('|')[0]!),
        imageBytes: Number(get('imagebytes') ?? 0),
        backingFs: get('fs') ?? '',
        xfsFtype: ftype === undefined ? undefined : Number(ftype),
        kernel: get('kernel') ?? '',
        freeBytes: Number(get('free') ?? 0),
      };
    },
  };
}
