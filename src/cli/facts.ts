// `fleet facts [NAME...]`: the facts a play's `when:` sees (`facts.docker.running`, ...), gathered
// from each selected host with the same probe a run uses. Shown per fact, hosts grouped by value,
// so "which hosts run Docker 20.10" is one look; JSON per host.
import { ExitCode, FleetError } from '../errors.js';
import { eachHost, selected, type EachHostOptions } from '../engine/each-host.js';
import { gatherScript, parseFramed } from '../engine/frame.js';
import { hostFacts, type HostFacts } from '../facts/host.js';
import type { Inventory } from '../inventory/index.js';
import { groupHosts, hostList } from '../report/groups.js';
import { styleFor, useColor } from '../report/style.js';
import { redactDeep } from '../secrets/registry.js';
import { didYouMean } from '../util/suggest.js';
import type { CliIO } from './io.js';
import { writer } from './io.js';

export interface FactsOptions extends EachHostOptions {
  limit?: string;
  json: boolean;
}

const BASE = hostFacts();

/** `{ docker: { running: true } }` -> `[['docker.running', true]]` */
export function flatten(v: unknown, prefix = ''): [string, unknown][] {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return [[prefix, v]];
  return Object.entries(v).flatMap(([k, x]) => flatten(x, prefix ? `${prefix}.${k}` : k));
}

/** Keep the facts named (a name selects itself and everything under it: `docker`, `os.id`). */
export function selectFacts(flat: readonly [string, unknown][], names: readonly string[]): [string, unknown][] {
  if (!names.length) return [...flat];
  return flat.filter(([k]) => names.some((n) => k === n || k.startsWith(`${n}.`)));
}

export async function factsCommand(io: CliIO, inventory: Inventory, names: readonly string[], o: FactsOptions): Promise<number> {
  const hosts = selected(inventory, o.limit);
  const results = await eachHost(inventory, hosts, o, async (remote): Promise<HostFacts> => {
    const framed = gatherScript([BASE]);
    const r = await remote.run(framed.script);
    const section = parseFramed(r.stdout, framed.nonce).get(0);
    if (!section) throw new Error(`the fact probe printed no result (exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n')[0]}` : ''})`);
    return BASE.parse(section.out, section.code);
  });
  const known = flatten(results.find((r) => r.ok)?.value ?? {}).map(([k]) => k);
  if (known.length) {
    const prefixes = new Set(known.flatMap((k) => k.split('.').map((_, i, a) => a.slice(0, i + 1).join('.'))));
    for (const n of names) if (!prefixes.has(n)) throw new FleetError(`unknown fact '${n}'${didYouMean(n, prefixes)}; known: ${known.join(', ')}`, ExitCode.invalidInput);
  }
  const out = writer(io.stdout);
  const failed = results.filter((r) => !r.ok);
  if (o.json) {
    const json = { hosts: Object.fromEntries(results.flatMap((r) => (r.ok ? [[r.host, Object.fromEntries(selectFacts(flatten(r.value), names))]] : []))), unreachable: Object.fromEntries(failed.map((r) => [r.host, r.error])) };
    out(JSON.stringify(redactDeep(json), null, 2));
  } else {
    const style = styleFor(useColor(io.stdout));
    const flat = results.flatMap((r) => (r.ok ? selectFacts(flatten(r.value), names).map(([k, v]) => ({ host: r.host, k, v })) : []));
    const keys = [...new Set(flat.map((f) => f.k))];
    for (const k of keys) {
      const groups = groupHosts(flat.filter((f) => f.k === k), (f) => f.host, (f) => f.v, (v) => JSON.stringify(v));
      if (groups.length === 1) out(`${style.bold(`facts.${k}`)} = ${JSON.stringify(groups[0]!.key)} (${groups[0]!.hosts.length === 1 ? groups[0]!.hosts[0] : `all ${groups[0]!.hosts.length} hosts`})`);
      else {
        out(style.bold(`facts.${k}`));
        for (const g of groups) out(`  ${JSON.stringify(g.key)} — ${hostList(g.hosts)}`);
      }
    }
    for (const r of failed) if (!r.ok) out(`${style.red(r.unreachable ? 'unreachable' : 'failed')} ${r.host}: ${r.error}`);
  }
  if (failed.some((r) => !r.ok && !r.unreachable)) return ExitCode.failedHosts;
  return failed.length ? ExitCode.unreachableHosts : ExitCode.ok;
}
