// `fleet trust`: show each selected host's key fingerprint and record the new ones in known_hosts
// after one confirmation (or --yes). Changed and revoked keys are never recorded, only warned about.
import { resolve } from 'node:path';
import { ExitCode, FleetError } from '../errors.js';
import { selectHosts, toConnectionSpec, type Inventory } from '../inventory/index.js';
import { appendKnownHosts } from '../transport/known-hosts-write.js';
import { fingerprintOfRow, keyTypeOfRow, linesToRecord, scanHostKeys, type TrustRow } from '../transport/trust.js';
import type { CliIO } from './io.js';
import { confirm } from './prompt.js';

export interface TrustOptions {
  limit?: string;
  yes: boolean;
  knownHosts?: string;
  hash: boolean;
  forks: number;
  /** record a key of a new type for a host known by another type */
  allowNewType?: boolean;
}

const STATUS: Record<TrustRow['status'], string> = {
  known: 'known',
  new: 'NEW',
  'new-type': 'NEW TYPE (flagged)',
  changed: 'CHANGED (refused)',
  revoked: 'REVOKED (refused)',
  unreachable: 'unreachable',
  skipped: 'skipped',
};

export function trustTable(rows: readonly TrustRow[]): string {
  const cells = [['HOST', 'ADDRESS', 'KEY TYPE', 'FINGERPRINT', 'STATUS'], ...rows.map((r) => [r.host, r.address, keyTypeOfRow(r), fingerprintOfRow(r), STATUS[r.status]])];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

function warnings(rows: readonly TrustRow[], allowNewType: boolean): string[] {
  return rows.flatMap((r) => {
    if (r.status === 'changed') {
      return [
        `WARNING: HOST KEY CHANGED for ${r.host} (${r.name}): ${r.detail} has ${keyTypeOfRow(r)} ${r.oldFingerprint}, the host now offers ${fingerprintOfRow(r)}. ` +
          `This may be an attack or a reinstalled host; the new key is NOT recorded. Verify it out of band, then remove the old line with: ssh-keygen -R '${r.name}' -f ${r.detail!.replace(/:\d+$/, '')} and run fleet trust again.`,
      ];
    }
    if (r.status === 'new-type') {
      return [
        `WARNING: ${r.host} (${r.name}) offers a ${keyTypeOfRow(r)} key (${fingerprintOfRow(r)}), but ${r.file} knows it only by ${r.knownTypes!.join(', ')}: a host that no longer shows its known key type may be an attacker offering another (a downgrade), or a reconfigured sshd. ` +
          (allowNewType ? 'Recording it as --allow-new-type asks.' : 'NOT recorded; verify the fingerprint out of band, then run fleet trust again with --allow-new-type.'),
      ];
    }
    if (r.status === 'revoked') return [`WARNING: host key of ${r.host} (${r.name}, ${fingerprintOfRow(r)}) is ${r.detail}; refusing it.`];
    if (r.status === 'unreachable') return [`${r.host}: ${r.detail}`];
    if (r.status === 'new' && r.detail) return [`${r.host}: ${r.detail}`];
    return [];
  });
}

export async function trustCommand(io: CliIO, inventory: Inventory, o: TrustOptions): Promise<number> {
  const names = selectHosts(inventory, o.limit ?? 'all');
  if (!names.length) throw new FleetError(`no hosts matched${o.limit ? ` --limit ${o.limit}` : ''}`, ExitCode.invalidInput);
  const hosts = names.map((host) => ({ host, spec: toConnectionSpec(inventory.hosts.get(host)!.vars) }));
  const knownHostsFile = o.knownHosts ? resolve(io.cwd, o.knownHosts) : undefined;
  const rows = await scanHostKeys(hosts, { knownHostsFile, concurrency: o.forks });
  io.stdout.write(trustTable(rows));
  const allowNewType = o.allowNewType ?? false;
  for (const w of warnings(rows, allowNewType)) io.stderr.write(`fleet: ${w}\n`);

  const refused = rows.some((r) => r.status === 'changed' || r.status === 'revoked' || (r.status === 'new-type' && !allowNewType));
  const done = refused ? ExitCode.refused : rows.some((r) => r.status === 'unreachable') ? ExitCode.unreachableHosts : ExitCode.ok;
  const plan = linesToRecord(rows, o.hash, allowNewType);
  const count = [...plan.values()].reduce((n, l) => n + l.length, 0);
  if (!count) {
    io.stdout.write('no new host keys to record\n');
    return done;
  }
  const question = `Record ${count} new host key${count === 1 ? '' : 's'} in ${[...plan.keys()].join(', ')}? Check the fingerprints above out of band first.`;
  if (!o.yes) {
    if (!io.stdin.isTTY) throw new FleetError(`${count} new host key(s) not recorded: no terminal to confirm on; check the fingerprints out of band, then re-run with --yes`, ExitCode.refused);
    if (!(await confirm(question, io.stdin, io.stderr))) {
      io.stdout.write('nothing recorded\n');
      return ExitCode.refused;
    }
  }
  for (const [file, lines] of plan) {
    try {
      appendKnownHosts(file, lines);
    } catch (e) {
      throw new FleetError(`cannot record host keys in ${file}: ${(e as Error).message}`, ExitCode.invalidInput);
    }
    io.stdout.write(`recorded ${lines.length} host key${lines.length === 1 ? '' : 's'} in ${file}${o.hash ? ' (hashed names)' : ''}\n`);
  }
  return done;
}
