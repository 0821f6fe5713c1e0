// Pure line edits with Ansible's lineinfile / blockinfile semantics.

const lines = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
const join = (ls: string[]): string => (ls.length ? `${ls.join('\n')}\n` : '');

export interface LineEdit {
  line?: string;
  regexp?: string;
  state: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
}

function insertAt(ls: string[], e: { insertafter?: string; insertbefore?: string }): number {
  if (e.insertbefore) {
    if (e.insertbefore === 'BOF') return 0;
    const re = new RegExp(e.insertbefore);
    const i = ls.findIndex((l) => re.test(l));
    return i < 0 ? ls.length : i;
  }
  if (e.insertafter && e.insertafter !== 'EOF') {
    const re = new RegExp(e.insertafter);
    let last = -1;
    ls.forEach((l, i) => {
      if (re.test(l)) last = i;
    });
    return last < 0 ? ls.length : last + 1;
  }
  return ls.length;
}

/** The text after the edit. With regexp, the LAST matching line is replaced; absent removes all
 *  lines matching regexp (or equal to line). */
export function editLine(text: string, e: LineEdit): string {
  const ls = lines(text);
  const re = e.regexp ? new RegExp(e.regexp) : undefined;
  const hit = (l: string) => (re ? re.test(l) : l === e.line);
  if (e.state === 'absent') return join(ls.filter((l) => !hit(l)));
  const line = e.line!;
  let last = -1;
  ls.forEach((l, i) => {
    if (hit(l)) last = i;
  });
  if (last >= 0) {
    ls[last] = line;
    return join(ls);
  }
  if (re && ls.includes(line)) return join(ls);
  ls.splice(insertAt(ls, e), 0, line);
  return join(ls);
}

export interface BlockEdit {
  block: string;
  begin: string;
  end: string;
  state: 'present' | 'absent';
  insertafter?: string;
  insertbefore?: string;
}

export function editBlock(text: string, e: BlockEdit): string {
  const ls = lines(text);
  const b = ls.indexOf(e.begin);
  const en = b >= 0 ? ls.indexOf(e.end, b) : -1;
  const body = e.state === 'present' ? [e.begin, ...lines(e.block), e.end] : [];
  if (b >= 0 && en >= 0) {
    ls.splice(b, en - b + 1, ...body);
    return join(ls);
  }
  if (e.state === 'absent') return text;
  ls.splice(insertAt(ls, e), 0, ...body);
  return join(ls);
}
