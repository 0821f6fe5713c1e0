// The containers running now, with their restart policy: what a docker restart would stop, and
// which of them dockerd starts again by itself. Gathered only when a restart is pending.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface RunningContainer {
  name: string;
  /** HostConfig.RestartPolicy.Name: 'no' (or ''), 'always', 'unless-stopped', 'on-failure' */
  restart: string;
}

export function dockerRunningFact(): Fact<RunningContainer[]> {
  return {
    key: 'docker:running',
    probe: raw(`command -v docker >/dev/null || exit 0
ids=$(timeout 20 docker ps -q 2>/dev/null) || exit 0
[ -n "$ids" ] || exit 0
timeout 20 docker inspect --format 'c={{.Name}}|{{.HostConfig.RestartPolicy.Name}}' $ids 2>/dev/null
true`),
    parse: parseDockerRunning,
  };
}

export function parseDockerRunning(out: string): RunningContainer[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('c='))
    .map((l) => {
      const [name = '', restart = ''] = l.slice(2).split('|');
      return { name: name.replace(/^\//, ''), restart: restart.trim() };
    });
}

/** dockerd starts these again when it starts (a container stopped by the daemon's shutdown). */
export const comesBack = (c: RunningContainer): boolean => c.restart === 'always' || c.restart === 'unless-stopped';
