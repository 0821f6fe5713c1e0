// `fleet lab up|down`: a lab for people trying fleet, kept running until they remove it.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { removeLabContainers } from './docker.js';
import type { HostKind } from './images.js';
import { startLab, type LabHostSpec } from './lab.js';
import type { ScenarioName } from './scenarios/index.js';

/** A mix of the problems fleet fixes, cycled over N hosts. */
const MIX: ScenarioName[][] = [['dns-upstream', 'containerd-repo', 'lxc-guest'], ['vfs-driver', 'no-dns-cache'], ['published-port', 'ip6-docker-user', 'lxc-apparmor-host'], ['proxmox-host']];

const labDir = (dir?: string) => resolve(dir ?? '.lab');

/** Start a lab that outlives this process (default: 3 full hosts with a mix of problems). Light
 *  hosts get no scenarios: every problem scenario needs systemd and dockerd. */
export async function labUp(opts: { hosts?: number; proxmox?: number; dir?: string; kind?: HostKind; log?: (l: string) => void } = {}): Promise<{ inventoryPath: string; hosts: string[] }> {
  const n = opts.hosts ?? 3;
  const kind = opts.kind ?? 'full';
  const dir = labDir(opts.dir);
  const state = join(dir, 'lab.json');
  if (existsSync(state)) throw new Error(`a lab is already up (${state}); run \`fleet lab down\` first`);
  const specs: LabHostSpec[] = Array.from({ length: n }, (_, i) => ({ kind, name: `lab${i + 1}`, scenarios: kind === 'full' ? MIX[i % MIX.length]! : [] }));
  // the resolver scenario needs its upstream in the same lab
  if (n === 1 && kind === 'full') specs[0]!.scenarios = ['containerd-repo', 'lxc-guest', 'vfs-driver'];
  // Proxmox nodes: their guests join the inventory as pct hosts (lab.ts inventoryYaml)
  for (let i = 1; i <= (opts.proxmox ?? 0); i++) specs.push({ kind: 'full', name: `pve${i}`, scenarios: ['proxmox-node'] });
  const lab = await startLab({ hosts: specs, dir, name: 'up', persistent: true, log: opts.log ?? ((l) => process.stderr.write(`${l}\n`)) });
  writeFileSync(state, JSON.stringify({ id: lab.id, hosts: lab.hosts.map((h) => ({ name: h.name, ip: h.ip, scenarios: h.scenarios })) }, null, 2));
  return { inventoryPath: lab.inventoryPath, hosts: lab.hosts.map((h) => h.name) };
}

/** Remove the lab `labUp` started in `dir` (its containers and the directory); returns how many
 *  containers were removed. */
export async function labDown(opts: { dir?: string } = {}): Promise<number> {
  const dir = labDir(opts.dir);
  const state = join(dir, 'lab.json');
  if (!existsSync(state)) throw new Error(`no lab found: ${state} is missing (start one with \`fleet lab up\`, or pass the --dir it used)`);
  const { id } = JSON.parse(readFileSync(state, 'utf8')) as { id: string };
  const n = await removeLabContainers(id);
  rmSync(dir, { recursive: true, force: true });
  return n;
}
