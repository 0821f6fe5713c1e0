// Table tests for the pure line and block edits (Ansible's lineinfile / blockinfile semantics).
import { describe, expect, it } from 'vitest';
import { editBlock, editLine, type BlockEdit, type LineEdit } from '../../../src/tasks/lib/text-edit.js';

describe('editLine', () => {
  const cases: [string, string, LineEdit, string][] = [
    ['appends a missing line', 'a\nb\n', { line: 'c', state: 'present' }, 'a\nb\nc\n'],
    ['adds the final newline before appending', 'a', { line: 'c', state: 'present' }, 'a\nc\n'],
    ['creates content in an empty file', '', { line: 'c', state: 'present' }, 'c\n'],
    ['leaves a present line alone', 'a\nc\n', { line: 'c', state: 'present' }, 'a\nc\n'],
    ['never rewrites only to add a final newline', 'a\nc', { line: 'c', state: 'present' }, 'a\nc'],
    ['replaces the LAST regexp match only', 'x=1\ny\nx=2\n', { regexp: '^x=', line: 'x=9', state: 'present' }, 'x=1\ny\nx=9\n'],
    ['regexp is a search, not a full match', 'a #Port 22 b\n', { regexp: 'Port', line: 'Port 2222', state: 'present' }, 'Port 2222\n'],
    ['regexp without a match but the line present: no change', 'Port 22\n', { regexp: '^#Port', line: 'Port 22', state: 'present' }, 'Port 22\n'],
    ['regexp without a match: inserted at the end', 'a\n', { regexp: '^x', line: 'x=1', state: 'present' }, 'a\nx=1\n'],
    ['insertafter the last match', 'h\nh\nz\n', { line: 'n', insertafter: '^h', state: 'present' }, 'h\nh\nn\nz\n'],
    ['insertafter without a match: the end', 'a\n', { line: 'n', insertafter: '^q', state: 'present' }, 'a\nn\n'],
    ['insertafter EOF', 'a\n', { line: 'n', insertafter: 'EOF', state: 'present' }, 'a\nn\n'],
    ['insertbefore the LAST match, as Ansible', 'h\nz\nh\n', { line: 'n', insertbefore: '^h', state: 'present' }, 'h\nz\nn\nh\n'],
    ['insertbefore BOF', 'a\n', { line: 'n', insertbefore: 'BOF', state: 'present' }, 'n\na\n'],
    ['insertbefore BOF is idempotent (the line is found)', 'n\na\n', { line: 'n', insertbefore: 'BOF', state: 'present' }, 'n\na\n'],
    ['insertbefore without a match: the end', 'a\n', { line: 'n', insertbefore: '^q', state: 'present' }, 'a\nn\n'],
    ['regexp match wins over insertafter', 'x=1\nh\n', { regexp: '^x=', line: 'x=2', insertafter: '^h', state: 'present' }, 'x=2\nh\n'],
    ['absent removes every regexp match', 'x1\ny\nx2\n', { regexp: '^x', state: 'absent' }, 'y\n'],
    ['absent by exact line', 'a\nab\na\n', { line: 'a', state: 'absent' }, 'ab\n'],
    ['absent with nothing to remove returns the text as it was', 'a\nb', { line: 'c', state: 'absent' }, 'a\nb'],
    ['absent may empty the file', 'a\n', { line: 'a', state: 'absent' }, ''],
    ['keeps blank lines', 'a\n\nb\n', { line: 'c', state: 'present' }, 'a\n\nb\nc\n'],
  ];
  it.each(cases)('%s', (_name, text, edit, want) => {
    expect(editLine(text, edit)).toBe(want);
    // every edit is idempotent
    expect(editLine(want, edit)).toBe(want);
  });
});

describe('editBlock', () => {
  const m = { begin: '# BEGIN X', end: '# END X' };
  const block = (body: string) => `# BEGIN X\n${body}# END X\n`;
  const cases: [string, string, Omit<BlockEdit, 'begin' | 'end'>, string][] = [
    ['appends a missing block', 'a\n', { block: 'l1\nl2', state: 'present' }, `a\n${block('l1\nl2\n')}`],
    ['a trailing newline in the block is not an extra line', 'a\n', { block: 'l1\n', state: 'present' }, `a\n${block('l1\n')}`],
    ['replaces the block in place', `a\n${block('old\n')}z\n`, { block: 'new', state: 'present' }, `a\n${block('new\n')}z\n`],
    ['leaves a right block alone, even without a final newline', `a\n${block('l\n')}`.slice(0, -1), { block: 'l', state: 'present' }, `a\n${block('l\n')}`.slice(0, -1)],
    ['removes the block and its markers', `a\n${block('l\n')}z\n`, { block: 'l', state: 'absent' }, 'a\nz\n'],
    ['an empty block removes it, as Ansible', `a\n${block('l\n')}`, { block: '', state: 'present' }, 'a\n'],
    ['absent without a block: unchanged', 'a', { block: '', state: 'absent' }, 'a'],
    ['insertbefore BOF', 'a\n', { block: 'l', state: 'present', insertbefore: 'BOF' }, `${block('l\n')}a\n`],
    ['insertafter the last match', 'h\nh\nz\n', { block: 'l', state: 'present', insertafter: '^h' }, `h\nh\n${block('l\n')}z\n`],
    ['insertbefore the last match', 'h\nz\nh\n', { block: 'l', state: 'present', insertbefore: '^h' }, `h\nz\n${block('l\n')}h\n`],
    ['only a begin marker: a whole new block is added', '# BEGIN X\na\n', { block: 'l', state: 'present' }, `# BEGIN X\na\n${block('l\n')}`],
  ];
  it.each(cases)('%s', (_name, text, edit, want) => {
    expect(editBlock(text, { ...edit, ...m })).toBe(want);
    expect(editBlock(want, { ...edit, ...m })).toBe(want);
  });
});
