// ufw as it persists and runs: enabled in ufw.conf, the default incoming policy, and the rules that
// let traffic arriving on docker0 reach port 53 — from /etc/ufw/user.rules (what `ufw reload` and a
// boot load) and from the live ufw-user-input chain (what filters now). No ufw: absent.
import { raw } from '../shell/sh.js';
import type { Fact } from '../types.js';

export interface UfwPortRule {
  proto: 'udp' | 'tcp';
  /** the destination the rule is limited to; undefined = any */
  dest?: string;
}

export interface UfwState {
  installed: boolean;
  /** ENABLED=yes in /etc/ufw/ufw.conf */
  enabled: boolean;
  /** DEFAULT_INPUT_POLICY from /etc/default/ufw (DROP, REJECT, ACCEPT) */
  inputPolicy?: string;
  /** ACCEPT rules for docker0 -> port 53 in user.rules */
  saved: UfwPortRule[];
  /** the same, in the running ufw-user-input chain */
  live: UfwPortRule[];
}

/** Probe output: `enabled=`, `policy=`, then `f=RULE` (user.rules) and `r=RULE` (iptables -S). */
export function ufwFact(): Fact<UfwState> {
  return {
    key: 'ufw:docker0-dns',
    probe: raw(`[ -f /etc/ufw/ufw.conf ] || { echo missing; exit 0; }
sed -n 's/^ENABLED=/enabled=/p' /etc/ufw/ufw.conf
[ -f /etc/default/ufw ] && sed -n 's/^DEFAULT_INPUT_POLICY=/policy=/p' /etc/default/ufw
[ -f /etc/ufw/user.rules ] && grep -e '-i docker0' /etc/ufw/user.rules | grep -e '--dport 53 ' | sed 's/^/f=/'
if grep -q '^ENABLED=yes' /etc/ufw/ufw.conf; then iptables -w -S ufw-user-input 2>/dev/null | grep -e '-i docker0' | grep -e '--dport 53 ' | sed 's/^/r=/'; fi
true`),
    parse: parseUfw,
  };
}

const rule = (l: string): UfwPortRule | undefined => {
  if (!/-j ACCEPT\b/.test(l)) return undefined;
  const proto = /-p (udp|tcp)\b/.exec(l)?.[1] as 'udp' | 'tcp' | undefined;
  if (!proto) return undefined;
  const dest = /-d (\S+)/.exec(l)?.[1]?.replace(/\/32$/, '');
  return { proto, ...(dest ? { dest } : {}) };
};

export function parseUfw(out: string): UfwState {
  if (out.startsWith('missing')) return { installed: false, enabled: false, saved: [], live: [] };
  const lines = out.split('\n');
  const val = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1).replace(/^"|"$/g, '').trim();
  const rules = (p: string) => lines.filter((l) => l.startsWith(p)).flatMap((l) => rule(l.slice(p.length)) ?? []);
  const policy = val('policy');
  return { installed: true, enabled: val('enabled') === 'yes', ...(policy ? { inputPolicy: policy } : {}), saved: rules('f='), live: rules('r=') };
}

/** Both protocols reach `addr`:53 from docker0 in `rules`. */
export const opensDns = (rules: UfwPortRule[], addr: string) =>
  (['udp', 'tcp'] as const).every((p) => rules.some((r) => r.proto === p && (r.dest === undefined || r.dest === addr)));
