// Lab host images, built from Debian packages only (mmdebstrap | docker import), tagged by a hash
// of their recipe so a machine that built one reuses it. The mirror comes from this machine's apt
// configuration.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { docker, run } from './docker.js';

export type HostKind = 'light' | 'full';

interface Recipe {
  packages: string[];
  /** shell run inside the new root filesystem (chroot) */
  setup: string;
  dockerfile: string;
}

const COMMON = ['openssh-server', 'iptables', 'iproute2', 'procps', 'sudo', 'ca-certificates'];

export const RECIPES: Record<HostKind, Recipe> = {
  light: {
    // python3: Ansible runs its modules with it (the benchmark drives Ansible against these hosts)
    packages: [...COMMON, 'python3'],
    setup: `set -e
rm -f /etc/ssh/ssh_host_*
`,
    dockerfile: `CMD ["/bin/sh", "-c", "ssh-keygen -A >/dev/null && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e"]\n`,
  },
  full: {
    packages: [...COMMON, 'systemd-sysv', 'dbus', 'docker.io', 'dnsmasq', 'apparmor', 'lxc', 'bind9-dnsutils', 'busybox-static', 'dpkg-dev', 'ufw', 'systemd-resolved'],
    setup: `set -e
rm -f /etc/ssh/ssh_host_*
mkdir -p /etc/systemd/system/ssh.service.d /etc/systemd/system/docker.service.d /etc/docker
# every container gets its own host keys at boot
printf '[Service]\\nExecStartPre=\\nExecStartPre=/usr/bin/ssh-keygen -A\\nExecStartPre=/usr/sbin/sshd -t\\n' > /etc/systemd/system/ssh.service.d/fleet-lab.conf
# tests restart docker often: no start limit
printf '[Unit]\\nStartLimitIntervalSec=0\\n' > /etc/systemd/system/docker.service.d/fleet-lab.conf
# keep the inner engine's containers apart from the outer engine's
printf '{\\n  "cgroup-parent": "fleet-lab-inner"\\n}\\n' > /etc/docker/daemon.json
# LXC's own services cannot run in a container; dnsmasq starts only where a scenario wants it
systemctl mask lxc.service lxc-net.service lxc-monitord.service >/dev/null 2>&1
systemctl disable dnsmasq.service >/dev/null 2>&1
# ufw and systemd-resolved are there for the scenarios that turn them on; elsewhere they stay off,
# and resolved's postinst symlinked resolv.conf to its stub: a plain file again
systemctl disable systemd-resolved.service >/dev/null 2>&1
rm -f /etc/resolv.conf && : > /etc/resolv.conf
`,
    dockerfile: `STOPSIGNAL SIGRTMIN+3\nCMD ["/sbin/init"]\n`,
  },
};

export function recipeHash(kind: HostKind): string {
  return createHash('sha256').update(JSON.stringify(RECIPES[kind])).digest('hex').slice(0, 12);
}

export const imageName = (kind: HostKind) => `fleet-lab/${kind}:${recipeHash(kind)}`;

/** The Debian mirror this machine's apt uses (deb822 .sources or sources.list). */
export function debianMirror(): string {
  const files: string[] = [];
  if (existsSync('/etc/apt/sources.list.d')) files.push(...readdirSync('/etc/apt/sources.list.d').filter((f) => f.endsWith('.sources') || f.endsWith('.list')).map((f) => `/etc/apt/sources.list.d/${f}`));
  if (existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  return mirrorFrom(files.map((f) => readFileSync(f, 'utf8')));
}

export function mirrorFrom(texts: string[]): string {
  for (const t of texts) {
    const uris = /^URIs:\s*(\S+)/m.exec(t);
    if (uris && !/security/.test(uris[1]!)) return uris[1]!;
    const deb = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(t);
    if (deb && !/security/.test(deb[1]!)) return deb[1]!;
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d');
}

async function exists(name: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', name])).code === 0;
}

/** Build the image for `kind` unless present. A file lock keeps parallel workers from building twice. */
export async function ensureImage(kind: HostKind, log: (line: string) => void = () => {}): Promise<string> {
  const name = imageName(kind);
  if (await exists(name)) return name;
  const lockDir = join(tmpdir(), 'fleet-lab-locks');
  mkdirSync(lockDir, { recursive: true });
  const lock = join(lockDir, `${kind}.lock`);
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 1000));
      if (await exists(name)) return name;
    }
  }
  try {
    if (await exists(name)) return name;
    log(`lab: building image ${name} from Debian packages (about 40 s)…`);
    await build(kind, name);
    log(`lab: built ${name}`);
    return name;
  } finally {
    rmSync(lock, { force: true });
  }
}

async function build(kind: HostKind, name: string): Promise<void> {
  const r = RECIPES[kind];
  const dir = mkdtempSync(join(tmpdir(), 'fleet-lab-build-'));
  try {
    writeFileSync(join(dir, 'setup.sh'), r.setup);
    const base = `${name}-base`;
    const args = [
      '--quiet', '--variant=apt', '--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr',
      '--aptopt=Apt::Install-Recommends "false"',
      '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
      `--include=${r.packages.join(',')}`,
      `--customize-hook=copy-in ${join(dir, 'setup.sh')} /tmp`,
      '--customize-hook=chroot "$1" sh /tmp/setup.sh',
      '--customize-hook=rm -f "$1/tmp/setup.sh"',
      'bookworm', '-', debianMirror(),
    ];
    await new Promise<void>((resolve, reject) => {
      const deb = spawn('mmdebstrap', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const imp = spawn('docker', ['import', '-', base], { stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      deb.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
      imp.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
      deb.stdout.pipe(imp.stdin);
      deb.on('error', reject);
      imp.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`building ${name} failed: ${err.trim().split('\n').slice(-5).join(' | ')}`))));
    });
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nLABEL fleet.lab.recipe=${recipeHash(kind)}\n${r.dockerfile}`);
    await docker(['build', '-q', '-t', name, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
