import { defineTask, type Change } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { raw, sh } from '../shell/sh.js';
import { splitWords } from '../shell/words.js';
import { ruleFact, type IpBinary, type RuleState } from '../facts/iptables.js';

export interface RuleSpec {
  rule?: string;
  protocol?: string;
  source?: string;
  destination?: string;
  in_interface?: string;
  out_interface?: string;
  ctstate?: string[];
  ctorigdstport?: number;
  destination_port?: number;
  comment?: string;
  jump?: string;
}

/** Structured fields compile to the same argv a `rule:` string gives. */
export function ruleArgs(r: RuleSpec): string[] {
  if (r.rule) return splitWords(r.rule);
  const a: string[] = [];
  const neg = (flag: string, v?: string) => {
    if (v === undefined) return;
    if (v.startsWith('!')) a.push('!', flag, v.slice(1).trim());
    else a.push(flag, v);
  };
  neg('-i', r.in_interface);
  neg('-o', r.out_interface);
  neg('-s', r.source);
  neg('-d', r.destination);
  if (r.protocol) a.push('-p', r.protocol);
  if (r.destination_port !== undefined) a.push('--dport', String(r.destination_port));
  if (r.ctstate?.length || r.ctorigdstport !== undefined) a.push('-m', 'conntrack');
  if (r.ctstate?.length) a.push('--ctstate', r.ctstate.join(','));
  if (r.ctorigdstport !== undefined) a.push('--ctorigdstport', String(r.ctorigdstport));
  if (r.comment) a.push('-m', 'comment', '--comment', r.comment);
  if (r.jump) a.push('-j', r.jump);
  return a;
}

const bins = (v: string): IpBinary[] => (v === 'both' ? ['iptables', 'ip6tables'] : v === 'ipv6' ? ['ip6tables'] : ['iptables']);

export const iptablesTask = defineTask({
  type: 'iptables',
  description: 'One iptables/ip6tables rule present or absent in a chain, inserted at a position or appended; presence checked with -C.',
  args: object(
    {
      table: doc(withDefault(string(), 'filter'), 'table'),
      chain: doc(string(), 'chain, e.g. INPUT or DOCKER-USER'),
      rule: doc(optional(string()), "match and target arguments, e.g. '-i eth0 ! -s 10.0.0.0/8 -j DROP'"),
      protocol: doc(optional(string()), 'structured form: -p'),
      source: doc(optional(string()), "structured form: -s ('!' prefix negates)"),
      destination: doc(optional(string()), 'structured form: -d'),
      in_interface: doc(optional(string()), 'structured form: -i'),
      out_interface: doc(optional(string()), 'structured form: -o'),
      destination_port: doc(optional(int({ min: 1, max: 65535 })), 'structured form: --dport (needs protocol)'),
      ctstate: doc(optional(list(string())), 'structured form: -m conntrack --ctstate'),
      ctorigdstport: doc(optional(int({ min: 1, max: 65535 })), 'structured form: -m conntrack --ctorigdstport (the host port before DNAT)'),
      comment: doc(optional(string()), 'structured form: -m comment --comment'),
      jump: doc(optional(string()), 'structured form: -j'),
      state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present or absent'),
      action: doc(withDefault(oneOf(['insert', 'append']), 'append'), 'where a missing rule goes'),
      rule_num: doc(withDefault(int({ min: 1 }), 1), 'position for insert'),
      ip_version: doc(withDefault(oneOf(['ipv4', 'ipv6', 'both']), 'ipv4'), 'iptables, ip6tables or both'),
      chain_management: doc(withDefault(bool(), false), 'create the chain when it is missing'),
    },
    (a, path) => {
      if (!a.rule && !a.jump) throw new SchemaError(path, 'give rule, or structured fields with jump');
    },
  ),
  facts: (a) => Object.fromEntries(bins(a.ip_version).map((b) => [b, ruleFact(b, a.table, a.chain, ruleArgs(a))])),
  plan(a, now) {
    const args = ruleArgs(a);
    const changes: Change[] = [];
    for (const bin of bins(a.ip_version)) {
      const st = now[bin] as RuleState;
      const key = ruleFact(bin, a.table, a.chain, args).key;
      if (!st.available) throw new Error(`${bin} is not installed on this host`);
      if (st.error) throw new Error(`${bin} cannot check the rule: ${st.error}`);
      const shown = `${bin} -t ${a.table} ${a.chain} ${args.join(' ')}`;
      if (a.state === 'absent') {
        if (st.present) changes.push({ summary: `delete ${shown}`, steps: [sh`${raw(bin)} -w -t ${a.table} -D ${a.chain} ${args}`], invalidates: [key] });
        continue;
      }
      if (st.present) continue;
      const steps = [];
      if (!st.chainExists) {
        if (!a.chain_management) throw new Error(`chain ${a.chain} does not exist in table ${a.table} (${bin}); create it first or set chain_management: true`);
        steps.push(sh`${raw(bin)} -w -t ${a.table} -N ${a.chain}`);
      }
      steps.push(a.action === 'insert' ? sh`${raw(bin)} -w -t ${a.table} -I ${a.chain} ${a.rule_num} ${args}` : sh`${raw(bin)} -w -t ${a.table} -A ${a.chain} ${args}`);
      changes.push({ summary: `${a.action === 'insert' ? `insert at ${a.rule_num}` : 'append'}: ${shown}`, steps, invalidates: [key] });
    }
    return changes.length ? changes : { ok: `rule ${a.state === 'present' ? 'present' : 'absent'} in ${a.chain}` };
  },
});
