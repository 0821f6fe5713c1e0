import { describe, expect, it } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { FleetError } from '../../src/errors.js';
import { testRegistry } from '../support/test-tasks.js';

const load = (text: string) => parsePlaybook(text, 'site.yaml', testRegistry());
const errorOf = (text: string): string => {
  try {
    load(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FleetError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
};

describe('playbook loading', () => {
  it('loads plays, tasks, handlers, when, notify, tags', () => {
    const pb = load(`- name: p
  hosts: web
  become: true
  vars: { a: 1 }
  tasks:
    - name: write
      put: { path: /tmp/x, content: "{{ a }}" }
      notify: note
      tags: [cfg]
      when: a == 1
  handlers:
    - name: note
      log: { path: /tmp/log, line: hi }
`);
    expect(pb.plays).toHaveLength(1);
    const t = pb.plays[0]!.tasks[0]!;
    expect(t).toMatchObject({ name: 'write', type: 'put', notify: ['note'], tags: ['cfg'], when: 'a == 1', ignoreErrors: false });
    expect(t.loc).toEqual({ file: 'site.yaml', line: 6, column: 7 });
    expect(pb.plays[0]!.handlers[0]!.name).toBe('note');
  });

  it.each([
    ['bad YAML', '- name: p\n  hosts: [a\n', /^site\.yaml:\d+:\d+: invalid YAML/],
    ['empty file', '\n', /^site\.yaml:1:1: playbook site\.yaml is empty/],
    ['not a list', 'name: p\n', /^site\.yaml:1:1: a playbook is a YAML list of plays/],
    ['unknown play key', '- name: p\n  hosts: all\n  taks: []\n', /^site\.yaml:3:3: unknown play key 'taks' \(did you mean 'tasks'\?\)/],
    ['missing hosts', '- name: p\n  tasks: []\n', /^site\.yaml:1:3: play 'p' has no 'hosts'/],
    ['unknown task type', '- hosts: all\n  tasks:\n    - name: t\n      putt: { path: /a, content: b }\n', /^site\.yaml:4:7: unknown task type 'putt' \(did you mean 'put'\?\)/],
    ['task keyword typo', '- hosts: all\n  tasks:\n    - name: t\n      put: { path: /a, content: b }\n      notfy: x\n', /^site\.yaml:5:7: unknown task type 'notfy' \(did you mean 'notify'\?\)/],
    ['two task types', '- hosts: all\n  tasks:\n    - put: { path: /a, content: b }\n      log: { path: /a, line: b }\n', /^site\.yaml:3:7: task has 2 task types/],
    ['no task type', '- hosts: all\n  tasks:\n    - name: t\n', /^site\.yaml:3:7: task has no task type/],
    ['missing argument', '- hosts: all\n  tasks:\n    - put: { path: /a }\n', /^site\.yaml:3:12: put: argument 'content' is required/],
    ['wrong argument type', '- hosts: all\n  tasks:\n    - put:\n        path: /a\n        content: b\n        fail: [1]\n', /^site\.yaml:6:15: put: argument 'fail' must be true or false, got list/],
    ['unknown argument', '- hosts: all\n  tasks:\n    - put:\n        path: /a\n        contnet: b\n', /^site\.yaml:5:9: put: argument 'contnet' is not known \(did you mean 'content'\?\)/],
    ['notify without handler', '- hosts: all\n  tasks:\n    - put: { path: /a, content: b }\n      notify: restrt\n  handlers:\n    - name: restart\n      log: { path: /l, line: x }\n', /^site\.yaml:3:7: task 'put' notifies 'restrt', which is no handler of this play \(did you mean 'restart'\?\)/],
    ['duplicate keys', '- hosts: all\n  hosts: web\n  tasks: []\n', /^site\.yaml:2:3: invalid YAML: Map keys must be unique/],
  ])('%s -> one line with file:line:column', (_name, text, re) => {
    const msg = errorOf(text);
    expect(msg).toMatch(re);
    expect(msg).not.toContain('\n');
  });

  it('accepts a template where a boolean is expected until render time', () => {
    expect(() => load('- hosts: all\n  tasks:\n    - put: { path: /a, content: b, fail: "{{ f }}" }\n')).not.toThrow();
  });
});
