// shell: the command line goes to sh -c as one quoted word; guards as command (shared code).
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
  it('passes the whole line to sh -c, quoted once', () => {
    const a = parseArgs(shellTask.args, { cmd: `echo "$HOME" | tr a b; echo 'q'` });
    expect(changes(shellTask.plan(a, {}))[0]!.steps.map((s) => s.text)).toEqual([`sh -c 'echo "$HOME" | tr a b; echo '\\''q'\\'''`]);
    expect(shellTask.verify!(a, {})).toBe(false);
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
