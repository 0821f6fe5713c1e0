// Pure line edits with Ansible's lineinfile / blockinfile semantics. An edit that changes nothing
// returns the text exactly as it was (a missing final newline is not a reason to rewrite a file).

const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
const join = (ls: string[]): string => (ls.length ? `${ls.join('\n')}\n` : '');
const same = (a: string[], b: string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

/** `text` when the lines did not change, else the new lines with a final newline. */
function result(text: string, before: string[], after: string[]): string {
  return same(before, after) ? text : join(after);
}

function lastMatch(ls: string[], re: RegExp): number {
  for (let i = ls.length - 1; i >= 0; i--) if (re.test(ls[i]!)) return i;
  return -1;
}

export interface Placement {
  /** a regex (after its last match), or 'EOF' */
  insertafter?: string;
  /** a regex (before its last match), or 'BOF' */
  insertbefore?: string;
}

/** Where new lines go: after/before the LAST matching line as Ansible does; the end of the file
 *  when nothing matches or nothing is asked. */
export function insertAt(ls: string[], e: Placement): number {
  if (e.insertbefore) {
    if (e.insertbefore === 'BOF') return 0;
    const i = lastMatch(ls, new RegExp(e.insertbefore));
    return i < 0 ? ls.length : i;
  }
  if (e.insertafter && e.insertafter !== 'EOF') {
    const i = lastMatch(ls, new RegExp(e.insertafter));
    return i < 0 ? ls.length : i + 1;
  }
  return ls.length;
}

export interface LineEdit extends Placement {
  line?: string;
  regexp?: string;
  state: 'present' | 'absent';
}

/** With regexp, the LAST matching line is replaced (or, with no match and the line not already
 *  there, the line is inserted); absent removes every line matching regexp (or equal to line). */
export function editLine(text: string, e: LineEdit): string {
  const before = lines(text);
  const re = e.regexp !== undefined ? new RegExp(e.regexp) : undefined;
  const hit = (l: string) => (re ? re.test(l) : l === e.line);
  if (e.state === 'absent') return result(text, before, before.filter((l) => !hit(l)));
  if (e.line === undefined) throw new Error('lineinfile: line is required with state present');
  const after = [...before];
  const last = re ? lastMatch(after, re) : after.indexOf(e.line);
  if (last >= 0) after[last] = e.line;
  else if (!after.includes(e.line)) after.splice(insertAt(after, e), 0, e.line);
  return result(text, before, after);
}

export interface BlockEdit extends Placement {
  block: string;
  begin: string;
  end: string;
  state: 'present' | 'absent';
}

/** The block between the marker lines is replaced in place, inserted when missing, or removed
 *  (with its markers) when absent or empty, as Ansible's blockinfile. */
export function editBlock(text: string, e: BlockEdit): string {
  const before = lines(text);
  const after = [...before];
  // the last complete block (as Ansible, the last markers): a stray begin marker above it stays
  const en = after.lastIndexOf(e.end);
  const b = en > 0 ? after.lastIndexOf(e.begin, en - 1) : -1;
  const present = e.state === 'present' && e.block !== '';
  const body = present ? [e.begin, ...lines(e.block), e.end] : [];
  if (b >= 0) after.splice(b, en - b + 1, ...body);
  else if (present) after.splice(insertAt(after, e), 0, ...body);
  return result(text, before, after);
}
