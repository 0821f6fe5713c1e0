// `fleet run 'COMMAND'`: one shell command on every selected host (Ansible's `ansible all -m shell
// -a`), for triage in an incident. The command travels on stdin, never in argv; output is grouped
// by identical output and exit status, so 400 hosts that agree take one block.
import { ExitCode } from '../errors.js';
import { eachHost, selected, type EachHostOptions } from '../engine/each-host.js';
import type { Inventory } from '../inventory/index.js';
import { groupHosts, hostList } from '../report/groups.js';
import { styleFor, useColor } from '../report/style.js';
import { redactDeep } from '../secrets/registry.js';
import type { CliIO } from './io.js';
import { writer } from './io.js';

export interface AdhocOptions extends EachHostOptions {
  limit?: string;
  json: boolean;
  timeoutMs?: number;
}

export interface AdhocHost {
  host: string;
  status: 'ok' | 'failed' | 'unreachable';
  /** exit status; null when the command died from a signal */
  rc?: number | null;
  /** stdout and stderr as they interleaved */
  output?: string;
  error?: string;
}

/** The command as the script sh -s reads: a brace group is parsed whole before it runs, so a
 *  command that reads stdin gets /dev/null, not the rest of the script. */
export const adhocScript = (command: string): string => `{\n${command}\n} </dev/null 2>&1\n`;

export async function adhocCommand(io: CliIO, inventory: Inventory, command: string, o: AdhocOptions): Promise<number> {
  const hosts = selected(inventory, o.limit);
  const results = await eachHost(inventory, hosts, o, (remote) => remote.run(adhocScript(command), o.timeoutMs));
  const rows: AdhocHost[] = results.map((r) =>
    r.ok ? { host: r.host, status: r.value.code === 0 ? 'ok' : 'failed', rc: r.value.code, output: r.value.stdout } : { host: r.host, status: r.unreachable ? 'unreachable' : 'failed', error: r.error },
  );
  const count = (s: AdhocHost['status']) => rows.filter((r) => r.status === s).length;
  const summary = { hosts: rows.length, ok: count('ok'), failed: count('failed'), unreachable: count('unreachable') };
  const out = writer(io.stdout);
  if (o.json) out(JSON.stringify(redactDeep({ command, hosts: rows, summary }), null, 2));
  else {
    const style = styleFor(useColor(io.stdout));
    const groups = groupHosts(rows, (r) => r.host, (r) => ({ status: r.status, rc: r.rc, text: r.error ?? r.output ?? '' }), (k) => JSON.stringify(k));
    for (const g of groups) {
      const { status, rc, text } = g.key;
      const head = status === 'unreachable' ? style.red('unreachable') : rc === 0 ? style.green('exit 0') : style.red(rc === null ? 'killed by a signal' : `exit ${rc}`);
      out(`${style.bold(hostList(g.hosts))} — ${head}`);
      const body = text.replace(/\n$/, '');
      if (body) out(body.split('\n').map((l) => `  ${l}`).join('\n'));
    }
    out(`fleet run: ${summary.hosts} host${summary.hosts === 1 ? '' : 's'}, ${summary.ok} exit 0, ${summary.failed} failed, ${summary.unreachable} unreachable; ${groups.length} distinct result${groups.length === 1 ? '' : 's'}`);
  }
  if (summary.failed) return ExitCode.failedHosts;
  return summary.unreachable ? ExitCode.unreachableHosts : ExitCode.ok;
}
