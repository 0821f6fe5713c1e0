import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport, TaskResult } from '../../src/engine/results.js';
import { changesKey } from '../../src/engine/host-play.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { hideNoLog, NO_LOG_MARKER, publicEvent, publicReport } from '../../src/secrets/no-log.js';
import { clearSecrets, registerSecret, SECRET_MARKER } from '../../src/secrets/registry.js';
import { builtinRegistry } from '../../src/tasks/builtin.js';

afterEach(() => clearSecrets());

const result = (extra: Partial<TaskResult>): TaskResult => ({
  task: 't',
  type: 'copy',
  handler: false,
  status: 'changed',
  changes: [{ summary: 'write /etc/app.conf', diff: { path: '/etc/app.conf', before: '', after: 'pw=topsecret\n' }, warnings: ['pw=topsecret'] }],
  output: 'pw=topsecret',
  ...extra,
});

describe('no_log', () => {
  it('is a task key, true or false', () => {
    const pb = parsePlaybook('- hosts: all\n  tasks:\n    - copy: { dest: /x, content: y }\n      no_log: true\n    - copy: { dest: /z, content: y }\n', 'site.yaml', builtinRegistry());
    expect(pb.plays[0]!.tasks.map((t) => t.noLog)).toEqual([true, undefined]);
    expect(() => parsePlaybook('- hosts: all\n  tasks:\n    - copy: { dest: /x, content: y }\n      no_log: yes please\n', 'site.yaml', builtinRegistry())).toThrow(/^site\.yaml:4:15: 'no_log' must be true or false/);
  });

  it('hides diffs, output, warnings, summaries and error detail; other tasks are untouched', () => {
    const failed = hideNoLog(result({ noLog: true, status: 'failed', reason: 'step failed: pw=topsecret' }));
    expect(JSON.stringify(failed)).not.toContain('topsecret');
    expect(failed).toMatchObject({ status: 'failed', reason: NO_LOG_MARKER, output: NO_LOG_MARKER, changes: [{ summary: NO_LOG_MARKER }] });
    expect(hideNoLog(result({}))).toEqual(result({}));
    expect(hideNoLog(result({ noLog: true, status: 'skipped', changes: [], output: undefined, reason: 'when: false' })).reason).toBe('when: false');
  });

  it('applies to events and reports, together with secret redaction', () => {
    registerSecret('visible-secret');
    const r = result({ noLog: true });
    const other = result({ changes: [], output: 'token visible-secret' });
    const e = publicEvent({ type: 'task', host: 'h', result: r });
    expect(JSON.stringify(e)).not.toContain('topsecret');
    const report: RunReport = { runId: 'x', mode: 'apply', playbook: 'p', startedAt: '', durationMs: 0, hosts: [{ host: 'h', status: 'changed', tasks: [r, other], counts: { ok: 0, changed: 2, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 0 }, execs: 1, durationMs: 0 }], summary: { hosts: 1, ok: 0, changed: 2, failed: 0, skipped: 0, unreachable: 0, refused: 0, stopped: 0 } };
    const text = JSON.stringify(publicReport(report));
    expect(text).not.toContain('topsecret');
    expect(text).not.toContain('visible-secret');
    expect(text).toContain(`token ${SECRET_MARKER}`);
  });

  it('a saved plan records a no_log task only as a hash, and secrets only as the marker', () => {
    registerSecret('topsecret');
    const changes = [{ summary: 'write /etc/app.conf', diff: { path: '/etc/app.conf', before: '', after: 'pw=topsecret\n' } }];
    expect(changesKey(changes as never, true)).toMatch(/^[0-9a-f]{16}$/);
    expect(changesKey(changes as never)).toContain(`pw=${SECRET_MARKER}`);
    expect(changesKey(changes as never)).not.toContain('topsecret');
  });
});
