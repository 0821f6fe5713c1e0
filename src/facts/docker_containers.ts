// Every container as `docker inspect` describes it, cut down to what the container checks read:
// user, image reference, state (OOM kill, exit code, times) and mounts. Environment variables and
// labels are never kept (they are the usual place for secrets).
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface ContainerInfo {
  name: string;
  /** Config.User: '' means the image's user, root unless the image says otherwise */
  user: string;
  /** Config.Image: the reference it was created from ('nginx', 'nginx:1.27', an image id) */
  image: string;
  status: string;
  oomKilled: boolean;
  exitCode: number;
  /** epoch seconds, undefined while it never finished */
  finishedAt?: number;
  /** bind and volume sources */
  mounts: { source: string; destination: string; type: string }[];
}

export interface DockerContainers {
  /** docker answered */
  known: boolean;
  containers: ContainerInfo[];
  /** the host's clock, epoch seconds */
  now: number;
}

export function dockerContainersFact(): Fact<DockerContainers> {
  return {
    key: 'docker:containers',
    probe: raw(`command -v docker >/dev/null || exit 0
echo "now=$(date +%s)"
ids=$(timeout 20 docker ps -aq 2>/dev/null) || exit 0
echo known=1
[ -n "$ids" ] || exit 0
timeout 30 docker inspect --format '{{json .Name}}|{{json .Config.User}}|{{json .Config.Image}}|{{json .State.Status}}|{{json .State.OOMKilled}}|{{json .State.ExitCode}}|{{json .State.FinishedAt}}|{{json .Mounts}}' $ids 2>/dev/null | sed 's/^/c=/'
true`),
    fingerprint: (v) => ({ ...v, now: undefined }),
    parse: parseDockerContainers,
  };
}

/** docker's time stamps carry nanoseconds; a container that never finished has year 1. */
function epoch(s: string): number | undefined {
  const t = Date.parse(s.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(t) || t <= 0 ? undefined : t / 1000;
}

export function parseDockerContainers(out: string): DockerContainers {
  const lines = out.split('\n');
  const containers: ContainerInfo[] = [];
  for (const l of lines.filter((x) => x.startsWith('c='))) {
    // every field is JSON; JSON strings never hold a raw '|' outside the last (mounts) field, which
    // is taken whole
    const parts = l.slice(2).split('|');
    try {
      const [name, user, image, status, oom, code, fin] = parts.slice(0, 7).map((p) => JSON.parse(p) as unknown);
      const mounts = (JSON.parse(parts.slice(7).join('|') || '[]') as { Source?: string; Destination?: string; Type?: string }[] | null) ?? [];
      containers.push({
        name: String(name).replace(/^\//, ''),
        user: String(user ?? ''),
        image: String(image ?? ''),
        status: String(status ?? ''),
        oomKilled: oom === true,
        exitCode: Number(code ?? 0),
        finishedAt: epoch(String(fin ?? '')),
        mounts: mounts.map((m) => ({ source: m.Source ?? '', destination: m.Destination ?? '', type: m.Type ?? '' })),
      });
    } catch {
      // a line that is not ours
    }
  }
  const now = lines.find((l) => l.startsWith('now='))?.slice(4);
  return { known: lines.includes('known=1'), containers, now: Number(now ?? 0) };
}
