// Secrets end to end through the built CLI on a local connection: a secret from !env and one from
// the naming rule are written to files and passed to a command, and no output channel — stdout,
// stderr, the JSON report, the run journal, a plan file — holds them, while the files on disk do.
// no_log hides a task's diff, output and error detail the same way.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fleet, type CliResult } from '../support/cli.js';

const ENV_SECRET = 'env-S3cret-4f1a9c';
const NAMED_SECRET = 'named-T0ken-77b2e0';
const HIDDEN = 'nolog-Content-91ac3d';
const MARKER = '«secret»';

const dir = mkdtempSync(join(tmpdir(), 'fleet-secrets-'));
const journal = join(dir, 'journal');
const out = join(dir, 'out');
const env = { FLEET_JOURNAL_DIR: journal, FLEET_E2E_SECRET: ENV_SECRET };
const run = (args: string[]) => fleet(args, { cwd: dir, env });
const INV = join(dir, 'inventory.yaml');

/** every place fleet shows or stores text, read as one string */
function channels(results: CliResult[], files: string[]): string {
  const journalText = readdirSync(journal).map((f) => readFileSync(join(journal, f), 'utf8')).join('\n');
  return [...results.flatMap((r) => [r.stdout, r.stderr]), ...files.map((f) => readFileSync(f, 'utf8')), journalText].join('\n');
}

beforeAll(async () => {
  const build = await import('node:child_process').then((cp) => cp.spawnSync('npm', ['run', 'build'], { cwd: new URL('../..', import.meta.url).pathname, encoding: 'utf8' }));
  expect(build.status, build.stdout + build.stderr).toBe(0);
  writeFileSync(INV, `all:\n  hosts:\n    local1: { ansible_connection: local, app_token: ${NAMED_SECRET} }\n`);
  writeFileSync(
    join(dir, 'site.yaml'),
    `- name: secrets
  hosts: all
  vars:
    db_pass: !env FLEET_E2E_SECRET
    out: ${out}
  tasks:
    - name: out dir
      file: { path: "{{ out }}", state: directory }
    - name: config with secrets
      copy:
        dest: "{{ out }}/app.conf"
        content: "password={{ db_pass }}\\ntoken={{ app_token }}\\n"
    - name: command with a secret argument
      command:
        argv: [sh, -c, 'echo "$1" > "$2"', sh, "{{ db_pass }}", "{{ out }}/cmd.out"]
        creates: "{{ out }}/cmd.out"
`,
  );
  writeFileSync(
    join(dir, 'fail.yaml'),
    `- name: a failing task
  hosts: all
  vars: { db_pass: !env FLEET_E2E_SECRET }
  tasks:
    - name: login fails
      command:
        argv: [sh, -c, 'echo "login with $1 refused" >&2; exit 3', sh, "{{ db_pass }}"]
`,
  );
  writeFileSync(
    join(dir, 'nolog.yaml'),
    `- name: no_log
  hosts: all
  vars: { hidden: ${HIDDEN}, out: ${out} }
  tasks:
    - name: hidden file
      copy: { dest: "{{ out }}/hidden.conf", content: "{{ hidden }}\\n" }
      no_log: true
    - name: hidden failure
      command:
        argv: [sh, -c, 'echo "detail $1" >&2; exit 3', sh, "{{ hidden }}"]
      no_log: true
`,
  );
}, 180_000);

describe('secrets never leave fleet', () => {
  it('check --diff, plan, apply --plan, apply --diff and a failing task show and store only the marker', async () => {
    const results: CliResult[] = [];
    const check = await run(['apply', 'site.yaml', '-i', INV, '--check', '--diff', '--json', 'check.json']);
    results.push(check);
    expect(check.code, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toContain(`+password=${MARKER}`);
    expect(check.stdout).toContain(`+token=${MARKER}`);

    const plan = await run(['plan', 'site.yaml', '-i', INV, '-o', 'plan.json']);
    results.push(plan);
    expect(plan.code, plan.stderr + plan.stdout).toBe(0);
    const applyPlan = await run(['apply', '--plan', 'plan.json', '--yes', '--diff', '--json', 'apply.json']);
    results.push(applyPlan);
    expect(applyPlan.code, applyPlan.stderr + applyPlan.stdout).toBe(0);
    // the host got the real values
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toBe(`password=${ENV_SECRET}\ntoken=${NAMED_SECRET}\n`);
    expect(readFileSync(join(out, 'cmd.out'), 'utf8')).toBe(`${ENV_SECRET}\n`);

    // a changed file on the apply path: its diff is redacted too
    writeFileSync(join(out, 'app.conf'), 'old\n');
    const apply = await run(['apply', 'site.yaml', '-i', INV, '--yes', '--diff', '--json', 'apply2.json']);
    results.push(apply);
    expect(apply.code, apply.stderr + apply.stdout).toBe(0);
    expect(apply.stdout).toContain(`+password=${MARKER}`);
    expect(readFileSync(join(out, 'app.conf'), 'utf8')).toContain(ENV_SECRET);

    const fail = await run(['apply', 'fail.yaml', '-i', INV, '--yes', '--json', 'fail.json']);
    results.push(fail);
    expect(fail.code).toBe(2);
    expect(fail.stdout).toContain(`login with ${MARKER} refused`);

    // a secret -e value is refused for plan files, naming the variable, not the value
    const planE = await run(['plan', 'site.yaml', '-i', INV, '-e', `api_token=${NAMED_SECRET}x`, '-o', 'plan2.json']);
    results.push(planE);
    expect(planE.code).toBe(4);
    expect(planE.stderr).toMatch(/-e api_token: secret values are never written to plan files/);

    const text = channels(results, ['check.json', 'plan.json', 'apply.json', 'apply2.json', 'fail.json'].map((f) => join(dir, f)));
    expect(text).toContain(MARKER);
    expect(text).not.toContain(ENV_SECRET);
    expect(text).not.toContain(NAMED_SECRET);
  });

  it('an unset !env variable is an error naming file:line, before any connection', async () => {
    const unset = await fleet(['apply', join(dir, 'site.yaml'), '-i', INV, '--check'], { cwd: dir, env: { FLEET_JOURNAL_DIR: journal, FLEET_E2E_SECRET: undefined } });
    expect(unset.code).toBe(4);
    expect(unset.stderr).toBe(`fleet: ${join(dir, 'site.yaml')}:4:14: environment variable FLEET_E2E_SECRET is not set (wanted by !env FLEET_E2E_SECRET)\n`);
  });

  it('no_log hides a task diff, output and error detail in every channel; the file is still written', async () => {
    const check = await run(['apply', 'nolog.yaml', '-i', INV, '--check', '--diff', '--json', 'nolog-check.json']);
    const apply = await run(['apply', 'nolog.yaml', '-i', INV, '--yes', '--diff', '--verbose', '--json', 'nolog-apply.json']);
    expect(apply.code).toBe(2);
    expect(apply.stdout).toContain('(output hidden by no_log)');
    expect(readFileSync(join(out, 'hidden.conf'), 'utf8')).toBe(`${HIDDEN}\n`);
    const text = channels([check, apply], [join(dir, 'nolog-check.json'), join(dir, 'nolog-apply.json')]);
    expect(text).not.toContain(HIDDEN);
  });
});
