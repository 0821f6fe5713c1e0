// template: rendered on the controller in resolve(), then planned by copy's code.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { templateTask } from '../../src/tasks/template.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { applyLocal, gatherLocal } from '../support/run-local.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));

describe('template', () => {
  it('reads and renders the source, then writes it like copy and converges', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-tpl-'));
    const seen: string[] = [];
    const a = parseArgs(templateTask.args, { src: 'sshd.hbs', dest: `${d}/sshd_config`, mode: '0600' });
    const r = templateTask.resolve!(a, {
      readFile: (p) => (seen.push(p), 'Port {{port}}\n'),
      render: (text, name) => (seen.push(name), text.replace('{{port}}', '2222')),
    });
    expect(seen).toEqual(['sshd.hbs', 'template sshd.hbs']);
    const first = templateTask.plan(r, gatherLocal(templateTask.facts(r)));
    expect(changes(first)[0]).toMatchObject({ summary: `create ${d}/sshd_config`, diff: { before: '', after: 'Port 2222\n' } });
    applyLocal(changes(first));
    expect(readFileSync(`${d}/sshd_config`, 'utf8')).toBe('Port 2222\n');
    expect(templateTask.plan(r, gatherLocal(templateTask.facts(r)))).toEqual({ ok: `${d}/sshd_config is up to date` });
  });
  it('checks validate like copy', () => {
    expect(() => parseArgs(templateTask.args, { src: 'a', dest: '/b', validate: 'nginx -t' })).toThrow(/must contain %s/);
  });
});
