// Start N lab hosts (testcontainers), give back a fleet inventory with a per-lab key and a lab
// known_hosts (host keys read out of band, so host-key checking stays on), and remove it all.
import { appendFileSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { mapPool } from '../util/pool.js';
import { docker, dockerExec, LABEL, removeLabContainers, run } from './docker.js';
import { ensureImage, type HostKind } from './images.js';
import { labOwner, ownerLabels } from './leftovers.js';
import { scenario, type ScenarioName } from './scenarios/index.js';
import { sh, type ScenarioHost } from './scenarios/types.js';
import { LAB_GUESTS } from './scenarios/proxmox-node.js';

export interface LabHostSpec {
  kind: HostKind;
  name?: string;
  scenarios?: ScenarioName[];
}

export interface LabHost extends ScenarioHost {
  kind: HostKind;
  containerId: string;
}

export interface Lab {
  id: string;
  dir: string;
  hosts: LabHost[];
  inventoryPath: string;
  keyPath: string;
  knownHostsPath: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  hosts: number | LabHostSpec[];
  kind?: HostKind;
  name?: string;
  dir?: string;
  /** keep containers after this process exits (fleet lab up) */
  persistent?: boolean;
  log?: (line: string) => void;
}

/** Appended to by every startLab ("owner lab host" lines), so a test run can say how many real
 *  hosts it started. */
export const STARTED_LOG = join(tmpdir(), 'fleet-lab-started.log');

async function startContainer(image: string, kind: HostKind, name: string, labId: string, env: Record<string, string>, owner: Record<string, string>): Promise<string> {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
  const { GenericContainer, Wait } = await import('testcontainers');
  class LabContainer extends GenericContainer {
    constructor(img: string) {
      super(img);
      // testcontainers has no withCgroupnsMode; systemd needs the host's cgroup namespace
      if (kind === 'full') (this.hostConfig as Record<string, unknown>).CgroupnsMode = 'host';
    }
  }
  let c = new LabContainer(image)
    .withName(name)
    .withLabels({ [LABEL]: '1', [`${LABEL}.id`]: labId, ...owner })
    .withEnvironment(env)
    .withAddedCapabilities('NET_ADMIN', 'NET_RAW')
    .withStartupTimeout(120_000);
  if (kind === 'full') {
    c = c
      .withAddedCapabilities('SYS_ADMIN', 'NET_ADMIN', 'NET_RAW', 'SYS_PTRACE')
      .withSecurityOpt('seccomp=unconfined', 'apparmor=unconfined')
      .withTmpFs({ '/run': 'rw', '/run/lock': 'rw', '/var/lib/docker': 'rw,exec', '/tmp': 'rw,exec' })
      .withBindMounts([{ source: '/sys/fs/cgroup', target: '/sys/fs/cgroup', mode: 'rw' }]);
  } else {
    c = c.withWaitStrategy(Wait.forLogMessage(/Server listening on 0\.0\.0\.0 port 22/));
  }
  const started = await c.start();
  return started.getId();
}

async function waitReady(host: LabHost): Promise<void> {
  const deadline = Date.now() + 120_000;
  const check = host.kind === 'full' ? 'systemctl is-system-running --wait >/dev/null 2>&1; s=$(systemctl is-system-running); [ "$s" = running ] || [ "$s" = degraded ] && systemctl is-active ssh >/dev/null && docker info >/dev/null 2>&1' : 'test -s /etc/ssh/ssh_host_ed25519_key.pub';
  for (;;) {
    const r = await host.exec(check);
    if (r.code === 0) return;
    if (Date.now() > deadline) {
      const why = (await host.exec('systemctl --failed --no-legend 2>/dev/null; systemctl list-jobs --no-legend 2>/dev/null | head')).stdout;
      throw new Error(`lab host ${host.name} did not become ready in 120 s: ${why.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

export async function startLab(opts: StartOptions): Promise<Lab> {
  const id = `${opts.name ?? 'lab'}-${randomBytes(3).toString('hex')}`;
  const dir = opts.dir ?? join(tmpdir(), `fleet-${id}`);
  mkdirSync(dir, { recursive: true });
  const specs: LabHostSpec[] = typeof opts.hosts === 'number' ? Array.from({ length: opts.hosts }, () => ({ kind: opts.kind ?? 'light' })) : opts.hosts;
  specs.forEach((s, i) => {
    s.name ??= `${s.kind}${i + 1}`;
    for (const sc of s.scenarios ?? []) if (scenario(sc).kind === 'full' && s.kind !== 'full') throw new Error(`scenario ${sc} needs a full host, ${s.name} is ${s.kind}`);
  });
  const log = opts.log ?? (() => {});
  const keyPath = join(dir, 'id_ed25519');
  if (!existsSync(keyPath)) {
    const k = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `fleet-lab-${id}`, '-f', keyPath]);
    if (k.code !== 0) throw new Error(`ssh-keygen failed: ${k.stderr}`);
  }
  const pub = readFileSync(`${keyPath}.pub`, 'utf8');
  const hosts: LabHost[] = [];
  const lab: Lab = {
    id,
    dir,
    hosts,
    inventoryPath: join(dir, 'inventory.yaml'),
    keyPath,
    knownHostsPath: join(dir, 'known_hosts'),
    stop: async () => {
      await removeLabContainers(id);
    },
  };
  try {
    const images = { light: '', full: '' };
    for (const kind of new Set(specs.map((s) => s.kind))) images[kind] = await ensureImage(kind, log);
    const startHost = async (s: LabHostSpec): Promise<void> => {
      const env = Object.assign({}, ...(s.scenarios ?? []).map((n) => scenario(n).env ?? {})) as Record<string, string>;
      const containerId = await startContainer(images[s.kind], s.kind, `fleet-${id}-${s.name}`, id, env, ownerLabels(opts.persistent ?? false));
      const ip = (await docker(['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', containerId])).trim();
      const host: LabHost = { name: s.name!, ip, kind: s.kind, scenarios: s.scenarios ?? [], containerId, exec: (cmd, o) => dockerExec(containerId, cmd, o?.stdin) };
      hosts.push(host);
      appendFileSync(STARTED_LOG, `${labOwner()} ${id} ${host.name}\n`);
      await waitReady(host);
      const k = await host.exec('mkdir -p -m 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys', { stdin: pub });
      if (k.code !== 0) throw new Error(`installing the lab key on ${host.name} failed: ${k.stderr}`);
    };
    // every host settles (started or failed) before a failure stops the lab, so none starts after stop()
    const failures: unknown[] = [];
    await mapPool(specs, 8, (s) => startHost(s).catch((e: unknown) => void failures.push(e)));
    if (failures.length) throw failures[0];
    hosts.sort((a, b) => specs.findIndex((s) => s.name === a.name) - specs.findIndex((s) => s.name === b.name));
    // scenarios after every host is up, upstreams first
    const steps = hosts.flatMap((h) => h.scenarios.map((n) => ({ h, s: scenario(n) }))).sort((a, b) => (a.s.phase ?? 5) - (b.s.phase ?? 5));
    for (const phase of [...new Set(steps.map((x) => x.s.phase ?? 5))]) {
      const done = await Promise.allSettled(steps.filter((x) => (x.s.phase ?? 5) === phase).map((x) => x.s.setup?.(x.h, hosts)));
      const failed = done.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
    const known = await Promise.all(hosts.map(async (h) => (await sh(h, 'host keys', 'cat /etc/ssh/ssh_host_*_key.pub')).trim().split('\n').map((l) => `${h.ip} ${l.split(' ').slice(0, 2).join(' ')}`)));
    writeFileSync(lab.knownHostsPath, `${known.flat().join('\n')}\n`);
    writeFileSync(lab.inventoryPath, inventoryYaml(lab));
    return lab;
  } catch (e) {
    await lab.stop();
    throw e;
  }
}

/** What an operator would set for these lab hosts: the lab's DNS server answers the other hosts,
 *  so harden.yaml's DNS cache keeps its listeners there (dns_cache refuses to narrow it otherwise). */
const GROUP_VARS: Record<string, Record<string, unknown>> = { scenario_dns_upstream: { dns_cache_serving_others: 'keep' } };

export function inventoryYaml(lab: Pick<Lab, 'hosts' | 'keyPath' | 'knownHostsPath' | 'id'>): string {
  const groups = new Map<string, string[]>();
  const add = (g: string, h: string) => groups.set(g, [...(groups.get(g) ?? []), h]);
  for (const h of lab.hosts) {
    add(h.kind, h.name);
    for (const s of h.scenarios) add(`scenario_${s.replace(/-/g, '_')}`, h.name);
  }
  // the guests of Proxmox nodes, reached by pct through their node
  const guests: [string, Record<string, unknown>][] = [];
  for (const h of lab.hosts.filter((x) => x.scenarios.includes('proxmox-node'))) {
    for (const g of LAB_GUESTS) {
      const name = `${h.name}-${g.hostname}`;
      guests.push([name, { ansible_connection: 'pct', proxmox_node: h.name, vmid: g.vmid }]);
      add('proxmox_lxc', name);
      add(`proxmox_node_${h.name.replace(/[^A-Za-z0-9_]/g, '_')}`, name);
    }
  }
  const doc = {
    all: {
      vars: { ansible_user: 'root', ansible_ssh_private_key_file: lab.keyPath, known_hosts_file: lab.knownHostsPath },
      hosts: Object.fromEntries([...lab.hosts.map((h): [string, Record<string, unknown>] => [h.name, { ansible_host: h.ip }]), ...guests]),
      children: Object.fromEntries([...groups].map(([g, hs]) => [g, { hosts: Object.fromEntries(hs.map((h) => [h, null])), ...(GROUP_VARS[g] ? { vars: GROUP_VARS[g] } : {}) }])),
    },
  };
  return `# fleet lab ${lab.id}: remove with \`fleet lab down\` (or docker rm -f by label fleet.lab.id=${lab.id})\n${stringify(doc)}`;
}

export { removeLabLeftovers } from './leftovers.js';
