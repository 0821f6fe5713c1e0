// Loaders under random input: a playbook, an inventory or a plan file that is broken in any way
// gives a FleetError with a one-line message — never a TypeError or a crash.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../src/errors.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { parseInventoryText } from '../../src/inventory/index.js';
import { readPlanFile } from '../../src/engine/planfile.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';
import { showPlan } from '../../src/cli/apply.js';

const registry = builtinRegistry();
const quiet = { stdout: { write: () => true, isTTY: false }, env: {} } as never;
const dir = mkdtempSync(join(tmpdir(), 'fleet-fuzz-'));

const PLAYBOOK = `- name: web
  hosts: web:&prod
  become: true
  serial: [1, "10%"]
  vars: { port: 8080, names: [a, b] }
  tasks:
    - name: conf
      copy: { dest: /etc/app.conf, content: "port={{ port }}\\n", mode: "0644" }
      notify: restart
      when: port > 80 and 'a' in names
      tags: [conf]
    - name: line
      lineinfile: { path: /etc/hosts, line: "10.0.0.1 a" }
  handlers:
    - name: restart
      service: { name: app, state: restarted }
`;
const INVENTORY = `all:
  vars: { ansible_user: root }
  children:
    web:
      hosts:
        web[1:3]: { ansible_port: 2222 }
    prod:
      children: { web: {} }
`;
const PLAN = JSON.stringify({
  kind: 'fleet-plan',
  version: 1,
  fleet: '0.1.0',
  createdAt: '2026-11-23T04:00:00Z',
  runId: '20261123T040000Z-abcd',
  playbook: { file: 'site.yaml', sha256: 'ab' },
  inventory: 'inv.yaml',
  extraVars: { port: 1 },
  hosts: [
    {
      host: 'a',
      status: 'changed',
      tasks: [{ task: 'conf', type: 'copy', handler: false, status: 'would-change', changes: [{ summary: 'write /etc/app.conf', diff: { path: '/etc/app.conf', before: '', after: 'x' } }] }],
      plans: { '0': { facts: { 'file:/etc/app.conf': 'f00' }, tasks: { 'task#0:conf': '[]' } } },
    },
  ],
});

/** A valid document with random edits: characters inserted, deleted or replaced anywhere. */
const mutated = (base: string) =>
  fc
    .array(fc.tuple(fc.nat(base.length), fc.nat(6), fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(':', '- ', '{', '}', '[', ']', '"', "'", '\n', '  ', '{{', '}}', '&', '*a', '!!', '%', '#', '|', '>', ',', 'null', '~'))), { maxLength: 4 })
    .map((edits) => edits.reduce((s, [at, del, ins]) => s.slice(0, Math.min(at, s.length)) + ins + s.slice(Math.min(at, s.length) + del), base));

/** Fails the property on anything but a one-line FleetError. */
function onlyFleetErrors(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch (e) {
    if (!(e instanceof FleetError)) throw e;
    if (e.message.includes('\n')) throw new Error(`multi-line message: ${e.message}`);
    return true;
  }
}

describe('loader fuzzing', () => {
  it('playbooks: random edits of a valid playbook', () => {
    fc.assert(fc.property(mutated(PLAYBOOK), (text) => onlyFleetErrors(() => parsePlaybook(text, 'site.yaml', registry))), { numRuns: 500 });
  });

  it('playbooks: arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => onlyFleetErrors(() => parsePlaybook(text, 'site.yaml', registry))), { numRuns: 300 });
  });

  it('inventories: random edits of a valid YAML inventory and INI lines', () => {
    fc.assert(fc.property(mutated(INVENTORY), (text) => onlyFleetErrors(() => parseInventoryText(text, 'inv.yaml'))), { numRuns: 500 });
    const ini = '[web]\nweb[1:3] ansible_port=2222\n[prod:children]\nweb\n[all:vars]\nansible_user=root\n';
    fc.assert(fc.property(mutated(ini), (text) => onlyFleetErrors(() => parseInventoryText(text, 'inv.ini'))), { numRuns: 500 });
  });

  it('plan files: random edits of a valid plan and random JSON', () => {
    let n = 0;
    const check = (text: string) => {
      const file = join(dir, `plan${n++ % 8}.json`);
      writeFileSync(file, text);
      // a plan that reads fine must also show fine
      return onlyFleetErrors(() => showPlan(quiet, file));
    };
    fc.assert(fc.property(mutated(PLAN), check), { numRuns: 400 });
    fc.assert(fc.property(fc.json(), check), { numRuns: 200 });
  });

  it('the valid documents load (the fuzzing starts from something real)', () => {
    expect(parsePlaybook(PLAYBOOK, 'site.yaml', registry).plays).toHaveLength(1);
    expect(parseInventoryText(INVENTORY, 'inv.yaml').hosts.size).toBe(3);
    writeFileSync(join(dir, 'ok.json'), PLAN);
    expect(readPlanFile(join(dir, 'ok.json')).hosts).toHaveLength(1);
  });
});
