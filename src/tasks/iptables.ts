import { defineTask, type Change } from '../types.js';
import { bool, doc, int, list, object, oneOf, optional, SchemaError, string, withDefault } from '../schema/schema.js';
import { raw, sh } from '../shell/sh.js';
import { ruleFact, type IpBinary, type RuleState } from '../facts/iptables.js';
import { COMMAND_WORDS, predictListing, ruleArgs, ruleLine, STRUCTURED } from './lib/iptables-rule.js';

export { ruleArgs, type RuleSpec } from './lib/iptables-rule.js';

const bins = (v: string): IpBinary[] => (v === 'both' ? ['iptables', 'ip6tables'] : v === 'ipv6' ? ['ip6tables'] : ['iptables']);
// xtables chain names: at most 28 characters, and not an option
const CHAIN = /^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,27}$/;

export const iptablesTask = defineTask({
  type: 'iptables',
  description:
    'One iptables/ip6tables rule present or absent in a chain: inserted at a position or appended, or deleted. Presence is checked with `iptables -C` (anywhere in the chain; an existing rule is not moved). Give the rule as `rule:` words or as structured fields, not both. Works with the nf_tables and legacy backends; the chain diff shows the rule as written (iptables may print it in canonical form).',
  args: object(
    {
      table: doc(withDefault(oneOf(['filter', 'nat', 'mangle', 'raw', 'security']), 'filter'), 'table'),
      chain: doc(string(), 'chain, e.g. INPUT or DOCKER-USER'),
      rule: doc(optional(string()), "match and target arguments, e.g. '-i eth0 ! -s 10.0.0.0/8 -j DROP' (split like a shell would, without expansion)"),
      protocol: doc(optional(string()), "structured form: -p (a '!' prefix negates, as for the addresses and interfaces)"),
      source: doc(optional(string()), "structured form: -s, e.g. '! 10.0.0.0/8'"),
      destination: doc(optional(string()), 'structured form: -d'),
      in_interface: doc(optional(string()), 'structured form: -i'),
      out_interface: doc(optional(string()), 'structured form: -o'),
      match: doc(optional(list(string(), { acceptSingle: true })), 'structured form: extra -m modules (conntrack and comment are added when their fields are given)'),
      destination_port: doc(optional(string()), "structured form: --dport, a port or 'first:last' (needs protocol)"),
      ctstate: doc(optional(list(string(), { acceptSingle: true })), 'structured form: -m conntrack --ctstate, e.g. [NEW, ESTABLISHED]'),
      ctorigdstport: doc(optional(int({ min: 1, max: 65535 })), 'structured form: -m conntrack --ctorigdstport (the host port before DNAT)'),
      comment: doc(optional(string()), 'structured form: -m comment --comment'),
      jump: doc(optional(string()), 'structured form: -j target (ACCEPT, DROP, RETURN, a chain)'),
      state: doc(withDefault(oneOf(['present', 'absent']), 'present'), 'present or absent'),
      action: doc(withDefault(oneOf(['insert', 'append']), 'append'), 'where a missing rule goes: insert at rule_num, or append at the end'),
      rule_num: doc(withDefault(int({ min: 1 }), 1), 'position for insert (1 = first)'),
      ip_version: doc(withDefault(oneOf(['ipv4', 'ipv6', 'both']), 'ipv4'), 'ipv4 (iptables), ipv6 (ip6tables) or both'),
      chain_management: doc(withDefault(bool(), false), 'create the chain when it is missing (state present)'),
    },
    (a, path) => {
      if (!CHAIN.test(a.chain)) throw new SchemaError([...path, 'chain'], `'${a.chain}' is not a chain name (letters, digits, '_.-', at most 28)`);
      const fields = STRUCTURED.filter((k) => a[k] !== undefined);
      if (a.rule !== undefined && fields.length) throw new SchemaError([...path, fields[0]!], "give either rule or structured fields, not both");
      if (a.rule === undefined && !fields.length) throw new SchemaError(path, 'give rule, or structured fields such as protocol and jump');
      if (a.destination_port !== undefined) {
        if (!/^!?\s*\d{1,5}(:\d{1,5})?$/.test(a.destination_port)) throw new SchemaError([...path, 'destination_port'], `must be a port or 'first:last', got '${a.destination_port}'`);
        if (!a.protocol) throw new SchemaError([...path, 'destination_port'], 'needs protocol (tcp, udp, …)');
      }
      if (a.rule === undefined) return;
      let words: string[];
      try {
        words = ruleArgs(a);
      } catch (e) {
        throw new SchemaError([...path, 'rule'], (e as Error).message);
      }
      const bad = words.find((w) => COMMAND_WORDS.has(w));
      if (bad) throw new SchemaError([...path, 'rule'], `holds '${bad}': give only match and target arguments; the table, chain and action have their own arguments`);
      if (!words.length) throw new SchemaError([...path, 'rule'], 'is empty');
    },
  ),
  facts: (a) => Object.fromEntries(bins(a.ip_version).map((b) => [b, ruleFact(b, a.table, a.chain, ruleArgs(a))])),
  plan(a, now) {
    const args = ruleArgs(a);
    const changes: Change[] = [];
    for (const bin of bins(a.ip_version)) {
      const st = now[bin] as RuleState;
      const key = ruleFact(bin, a.table, a.chain, args).key;
      const ipt = raw(bin);
      const shown = `${bin} -t ${a.table} ${a.chain} ${args.join(' ')}`;
      const label = `${bin} -t ${a.table} -S ${a.chain}`;
      if (!st.available) throw new Error(`${bin} is not installed on this host (Debian: apt-get install iptables)`);
      if (st.error) throw new Error(`${bin} cannot check the rule in ${a.table}/${a.chain}: ${st.error}`);
      if (a.state === 'absent') {
        if (st.present) {
          const line = ruleLine(a.chain, args);
          const diff = st.listing.includes(line) ? { diff: { path: label, before: text(st.listing), after: text(st.listing.filter((l) => l !== line)) } } : {};
          changes.push({ summary: `delete ${shown}`, ...diff, steps: [sh`${ipt} -w -t ${a.table} -D ${a.chain} ${args}`], invalidates: [key] });
        }
        continue;
      }
      if (st.present) continue;
      const steps = [];
      if (!st.chainExists) {
        if (!a.chain_management) throw new Error(`chain ${a.chain} does not exist in table ${a.table} (${bin}); create it first or set chain_management: true`);
        steps.push(sh`${ipt} -w -t ${a.table} -N ${a.chain}`);
      }
      const rules = st.listing.filter((l) => l.startsWith('-A ')).length;
      // an empty listing is unknown (a real one has its -P or -N line): let iptables judge
      if (a.action === 'insert' && st.listing.length && a.rule_num > rules + 1) throw new Error(`rule_num ${a.rule_num} is past the end of ${a.chain} (${bin}, ${rules} rule${rules === 1 ? '' : 's'}); use at most ${rules + 1}, or action: append`);
      steps.push(a.action === 'insert' ? sh`${ipt} -w -t ${a.table} -I ${a.chain} ${a.rule_num} ${args}` : sh`${ipt} -w -t ${a.table} -A ${a.chain} ${args}`);
      const after = predictListing(st.listing, a.chain, args, a.action === 'insert' ? a.rule_num : 'end');
      const where = a.action === 'insert' ? `insert at ${a.rule_num}` : 'append';
      changes.push({
        summary: `${st.chainExists ? '' : `create chain ${a.chain}, then `}${where}: ${shown}`,
        diff: { path: label, before: text(st.listing), after: text(after) },
        steps,
        invalidates: [key],
      });
    }
    if (changes.length) return changes;
    return { ok: `rule ${a.state === 'present' ? 'present' : 'absent'} in ${a.table}/${a.chain} (${bins(a.ip_version).join(', ')})` };
  },
});

const text = (lines: string[]): string => (lines.length ? `${lines.join('\n')}\n` : '');
