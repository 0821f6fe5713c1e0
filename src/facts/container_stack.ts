// Versions of the container stack: the docker engine, runc on PATH (what dockerd runs), containerd,
// and the packages they came from (Docker's containerd.io / docker-ce, or the distribution's).
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';
import { records } from './records.js';

export interface ContainerStack {
  /** the engine's version (docker version), else dockerd --version */
  docker?: string;
  /** `runc --version` first line number, with its commit line */
  runc?: string;
  runcCommit?: string;
  containerd?: string;
  /** installed packages by name: containerd.io, docker-ce, docker.io, runc, containerd */
  packages: Record<string, string>;
}

export function containerStackFact(): Fact<ContainerStack> {
  return {
    key: 'container:stack',
    probe: raw(`v=$(timeout 10 docker version --format '{{.Server.Version}}' 2>/dev/null) && [ -n "$v" ] && echo "docker=$v"
command -v dockerd >/dev/null && echo "dockerd=$(dockerd --version 2>/dev/null)"
command -v runc >/dev/null && runc --version 2>/dev/null | sed -n 's/^runc version /runc=/p; s/^commit: /runc_commit=/p'
command -v containerd >/dev/null && echo "containerd=$(containerd --version 2>/dev/null)"
command -v dpkg-query >/dev/null && dpkg-query -W -f='pkg=\${Package} \${Version} \${db:Status-Abbrev}\\n' containerd.io docker-ce docker.io runc containerd 2>/dev/null
true`),
    parse: parseContainerStack,
  };
}

export function parseContainerStack(out: string): ContainerStack {
  const r = records(out);
  const get = (k: string) => r.get(k)?.trim();
  const packages: Record<string, string> = {};
  for (const l of r.all('pkg')) {
    const [name, version, status] = l.trim().split(/\s+/);
    // 'ii' = installed; 'rc' and 'un' are not
    if (name && version && status === 'ii') packages[name] = version;
  }
  const fromDockerd = /version ([^\s,]+)/.exec(get('dockerd') ?? '')?.[1];
  const containerd = /\s(v?\d[^\s]*)/.exec(get('containerd') ?? '')?.[1]?.replace(/^v/, '');
  return {
    ...(get('docker') || fromDockerd ? { docker: get('docker') || fromDockerd } : {}),
    ...(get('runc') ? { runc: get('runc'), runcCommit: get('runc_commit') } : {}),
    ...(containerd ? { containerd } : {}),
    packages,
  };
}
