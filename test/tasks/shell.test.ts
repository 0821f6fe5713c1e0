// shell: the command line goes to its own sh, on fd 3 rather than as an argument (it may hold
// secrets, and argv is every user's to read); guards as command (shared code).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/schema/schema.js';
import { shellTask } from '../../src/tasks/shell.js';
import { isOk, type Change, type Plan } from '../../src/types.js';
import { applyLocal, gatherLocal } from '../support/run-local.js';

const changes = (p: Plan) => (isOk(p) ? [] : (p as Change[]));

describe('shell', () => {
  it('passes the whole line to its sh in a quoted here-document, never as an argument', () => {
    const cmd = `echo "$HOME" | tr a b; echo 'q'`;
    const a = parseArgs(shellTask.args, { cmd });
    const [step] = changes(shellTask.plan(a, {}))[0]!.steps.map((s) => s.text);
    expect(step).toMatch(/^\{ \/bin\/sh -c '[^\n]*\n[^\n]*' sh\n\} 3<<'(FLEET_CMD_[0-9a-f]{16})'\n/);
    expect(step!.split('\n').slice(-2)).toEqual([cmd, /<<'(\w+)'/.exec(step!)![1]]);
    expect(shellTask.verify!(a, {})).toBe(false);
  });

  it('with timeout and chdir, the command still reaches its shell whole', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-shell-'));
    const a = parseArgs(shellTask.args, { cmd: 'pwd > where; echo "a  b" >> where', chdir: d, timeout: 5 });
    applyLocal(changes(shellTask.plan(a, {})));
    expect(readFileSync(`${d}/where`, 'utf8')).toBe(`${d}\na  b\n`);
  });

  it('runs pipes and redirections for real, guarded by creates, and converges', () => {
    const d = mkdtempSync(join(tmpdir(), 'fleet-shell-'));
    const a = parseArgs(shellTask.args, { cmd: 'printf "%s\\n" a b | sort -r > out', chdir: d, creates: 'out' });
    const first = shellTask.plan(a, gatherLocal(shellTask.facts(a)));
    expect(changes(first)[0]!.summary).toBe('run: printf "%s\\n" a b | sort -r > out');
    applyLocal(changes(first));
    expect(readFileSync(`${d}/out`, 'utf8')).toBe('b\na\n');
    const after = gatherLocal(shellTask.facts(a));
    expect(shellTask.verify!(a, after)).toBeUndefined();
    expect(shellTask.plan(a, after)).toEqual({ ok: `${d}/out exists` });
  });

  it('needs cmd', () => {
    expect(() => parseArgs(shellTask.args, {})).toThrow(/cmd/);
  });
});
