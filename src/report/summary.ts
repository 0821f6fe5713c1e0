// The summary where the decision is made (Terraform's `Plan: …` line, for fleets): hosts by outcome,
// changes by kind, what they interrupt, and how the rollout would go (batches, health gates).
import type { ChangeRecord, HostReport, RunReport, TaskResult } from '../engine/results.js';
import { capList } from './groups.js';
import { batches } from '../engine/batches.js';
import { gateCommand } from '../engine/rollout.js';
import type { Play } from '../playbook/model.js';
import type { Style } from './style.js';
import { PROVISIONAL } from './format.js';

/** A play as the apply would roll it out: its hosts in inventory order. */
export interface RolloutPlay {
  play: Pick<Play, 'name' | 'serial' | 'health' | 'maxFailPercentage' | 'anyErrorsFatal' | 'rollbackOnFailure'>;
  hosts: string[];
}

// What an operator weighs: a task type's changes are packages or firewall rules whatever their
// summary says; any other change with a diff is a file.
const PACKAGE_TYPES = new Set(['apt', 'containerd_pin', 'docker_versions']);
const FIREWALL_TYPES = new Set(['iptables', 'docker_user']);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export interface PlanCounts {
  hosts: number;
  changing: string[];
  unchanged: number;
  unreachable: number;
  refused: number;
  failed: number;
  stopped: number;
  files: number;
  packages: number;
  firewall: number;
  other: number;
  /** service -> hosts where it restarts */
  restarts: Map<string, number>;
  containers: number;
  portsCut: number;
  dnsHosts: number;
  unpredictable: number;
  provisional: number;
  warnings: number;
}

export function planCounts(report: Pick<RunReport, 'hosts'>): PlanCounts {
  const c: PlanCounts = { hosts: report.hosts.length, changing: [], unchanged: 0, unreachable: 0, refused: 0, failed: 0, stopped: 0, files: 0, packages: 0, firewall: 0, other: 0, restarts: new Map(), containers: 0, portsCut: 0, dnsHosts: 0, unpredictable: 0, provisional: 0, warnings: 0 };
  for (const h of report.hosts) {
    if (h.status === 'changed') c.changing.push(h.host);
    else if (h.status === 'ok') c.unchanged++;
    else c[h.status]++;
    countChanges(h, c);
  }
  return c;
}

function countChanges(h: HostReport, c: PlanCounts): void {
  const restarted = new Set<string>();
  const containers = new Set<string>();
  let dns = false;
  const tasks = h.tasks.filter((t: TaskResult) => t.status === 'would-change' || t.status === 'changed');
  for (const t of tasks) {
    if (t.provisional) c.provisional++;
    for (const ch of t.changes as ChangeRecord[]) {
      const impacts = ch.impact ?? [];
      if (PACKAGE_TYPES.has(t.type)) c.packages++;
      else if (FIREWALL_TYPES.has(t.type) || impacts.some((i) => i.kind === 'firewall')) c.firewall++;
      else if (ch.diff) c.files++;
      else c.other++;
      if (ch.unpredictable) c.unpredictable++;
      c.warnings += ch.warnings?.length ?? 0;
      for (const i of impacts) {
        if (i.kind === 'restart' && i.service) restarted.add(i.service);
        for (const n of i.containers ?? []) containers.add(n);
        c.portsCut += i.kind === 'firewall' ? (i.ports?.length ?? 0) : 0;
        dns ||= i.kind === 'dns';
      }
    }
  }
  for (const svc of restarted) c.restarts.set(svc, (c.restarts.get(svc) ?? 0) + 1);
  c.containers += containers.size;
  if (dns) c.dnsHosts++;
}

/** The lines shown right above the question (and after `--check`). `rollout`: the plays, to say how
 *  the apply would go; absent where the plays are not known (`fleet show`). */
export function planSummary(report: Pick<RunReport, 'hosts'>, s: Style, rollout?: RolloutPlay[]): string[] {
  const c = planCounts(report);
  const hostBits = [`${c.unchanged} unchanged`, `${c.unreachable} unreachable`, `${c.refused} refused`, `${c.failed} failed`, ...(c.stopped ? [`${c.stopped} stopped`] : [])];
  const lines = [s.bold(`Plan: ${c.changing.length} of ${plural(c.hosts, 'host')} to change, ${hostBits.join(', ')}.`)];
  const restarts = [...c.restarts].reduce((n, [, k]) => n + k, 0);
  const kinds = [
    plural(c.files, 'file'),
    plural(c.packages, 'package'),
    `${plural(restarts, 'service restart')}${restarts ? ` (${[...c.restarts].map(([svc, n]) => `${svc} on ${plural(n, 'host')}`).join(', ')})` : ''}`,
    `${plural(c.containers, 'container')} interrupted`,
    `${plural(c.firewall, 'firewall change')}${c.portsCut ? ` (${plural(c.portsCut, 'published port')} cut off from some sources)` : ''}`,
    ...(c.dnsHosts ? [`DNS clients interrupted on ${plural(c.dnsHosts, 'host')}`] : []),
    ...(c.other ? [plural(c.other, 'other change')] : []),
  ];
  lines.push(`Changes: ${kinds.join(', ')}.`);
  const notes = [
    ...(c.provisional ? [`${plural(c.provisional, 'task')} ${PROVISIONAL}`] : []),
    ...(c.unpredictable ? [`${plural(c.unpredictable, 'change')} whose outcome cannot be predicted`] : []),
    ...(c.warnings ? [plural(c.warnings, 'warning')] : []),
  ];
  if (notes.length) lines.push(s.yellow(`Read first: ${notes.join('; ')} (see above).`));
  const changing = new Set(c.changing);
  for (const r of rollout ?? []) {
    const hosts = r.hosts.filter((h) => changing.has(h));
    if (hosts.length) lines.push(`Rollout of play '${r.play.name}': ${rolloutText(r.play, hosts)}`);
  }
  return lines;
}

/** Batches over the hosts the apply runs on, as the engine cuts them (engine/batches.ts). */
export function rolloutText(play: RolloutPlay['play'], hosts: string[]): string {
  const groups = batches(hosts, play.serial);
  const shown = groups.slice(0, 4).map((b, i) => `${i === 0 && groups.length > 1 ? 'canary ' : ''}${capList(b, 3)} (${plural(b.length, 'host')})`);
  const order = groups.length === 1 ? (hosts.length === 1 ? 'its 1 host' : `all ${hosts.length} hosts at once`) : `${groups.length} batches (serial ${play.serial!.join(', ')}): ${shown.join(', then ')}${groups.length > 4 ? `, then ${plural(groups.length - 4, 'more batch', 'more batches')}` : ''}`;
  const gate = play.health.length ? `health gate ${play.health.map(planGate).join(', ')} after each batch` : 'no health gate';
  const stops = [
    ...(play.health.length ? ['a health gate fails'] : []),
    ...(play.anyErrorsFatal ? ['any host fails'] : []),
    ...(play.maxFailPercentage !== undefined ? [`more than ${play.maxFailPercentage}% of a batch fails`] : []),
    ...(groups.length > 1 ? ['every host of a batch fails'] : []),
  ];
  return `${order}; ${gate}${stops.length ? `; stops when ${stops.join(' or ')}${play.rollbackOnFailure ? ', then rolls that batch back' : ''}` : ''}.`;
}

/** A gate as the plan names it: with the command it runs, where it is one (templates unrendered). */
function planGate(t: RolloutPlay['play']['health'][number]): string {
  const command = t.type === 'command' || t.type === 'shell' ? gateCommand(t) : undefined;
  return `'${t.name}'${command ? ` (\`${command}\`)` : ''}`;
}
