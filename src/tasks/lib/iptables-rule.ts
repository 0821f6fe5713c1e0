// An iptables rule as argv: from a `rule:` string (split like a shell would, no expansion) or from
// structured fields compiled to the same words. Also how a rule looks in `iptables -S` output.
import { splitWords } from '../../shell/words.js';

export interface RuleSpec {
  rule?: string;
  protocol?: string;
  source?: string;
  destination?: string;
  in_interface?: string;
  out_interface?: string;
  match?: string[];
  ctstate?: string[];
  ctorigdstport?: number;
  destination_port?: number | string;
  comment?: string;
  jump?: string;
}

export const STRUCTURED = ['protocol', 'source', 'destination', 'in_interface', 'out_interface', 'match', 'ctstate', 'ctorigdstport', 'destination_port', 'comment', 'jump'] as const;

/** Words that would turn a rule into another command (or another table): refused in `rule:`. */
export const COMMAND_WORDS = new Set(['-t', '--table', '-A', '--append', '-I', '--insert', '-D', '--delete', '-C', '--check', '-R', '--replace', '-N', '--new-chain', '-X', '--delete-chain', '-F', '--flush', '-Z', '--zero', '-L', '--list', '-S', '--list-rules', '-P', '--policy', '-E', '--rename-chain']);

/** Structured fields compile to the words a `rule:` string gives; a leading '!' negates. */
export function ruleArgs(r: RuleSpec): string[] {
  if (r.rule !== undefined) return splitWords(r.rule);
  const a: string[] = [];
  const opt = (flag: string, v: string | undefined) => {
    if (v === undefined) return;
    if (v.startsWith('!')) a.push('!', flag, v.slice(1).trim());
    else a.push(flag, v);
  };
  opt('-i', r.in_interface);
  opt('-o', r.out_interface);
  opt('-s', r.source);
  opt('-d', r.destination);
  opt('-p', r.protocol);
  opt('--dport', r.destination_port === undefined ? undefined : String(r.destination_port));
  const conntrack = Boolean(r.ctstate?.length) || r.ctorigdstport !== undefined;
  for (const m of r.match ?? []) {
    if (!(m === 'conntrack' && conntrack) && !(m === 'comment' && r.comment)) a.push('-m', m);
  }
  if (conntrack) a.push('-m', 'conntrack');
  if (r.ctstate?.length) a.push('--ctstate', r.ctstate.join(','));
  if (r.ctorigdstport !== undefined) a.push('--ctorigdstport', String(r.ctorigdstport));
  if (r.comment) a.push('-m', 'comment', '--comment', r.comment);
  if (r.jump) a.push('-j', r.jump);
  return a;
}

/** A word as iptables-save prints it: double-quoted when it holds blanks or quotes. */
const saveWord = (w: string): string => (/^[^\s"'\\]+$/.test(w) ? w : `"${w.replace(/(["\\])/g, '\\$1')}"`);

/** The `-S` line for a rule, as written (iptables may print it in a canonical form instead). */
export const ruleLine = (chain: string, args: string[]): string => ['-A', chain, ...args].map(saveWord).join(' ');

/** The chain listing after adding a rule: `-P`/`-N` header lines first, rules numbered from 1. */
export function predictListing(listing: string[], chain: string, args: string[], at: number | 'end'): string[] {
  const head = listing.length ? listing.filter((l) => !l.startsWith('-A ')) : [`-N ${chain}`];
  const rules = listing.filter((l) => l.startsWith('-A '));
  const line = ruleLine(chain, args);
  if (at === 'end') rules.push(line);
  else rules.splice(at - 1, 0, line);
  return [...head, ...rules];
}
