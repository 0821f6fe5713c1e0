// The README's promises, checked: its library example runs as written, and its task reference is
// the one the code generates.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../src/tasks/builtin.js';
import { taskReference } from '../src/tasks/reference.js';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(`${root}README.md`, 'utf8');

describe('README', () => {
  it('library example runs exactly as written (against the built package)', () => {
    const code = /<!-- example:library -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(code).toBeDefined();
    rmSync('/tmp/fleet-readme-example', { recursive: true, force: true });
    mkdirSync(`${root}.readme-example`, { recursive: true });
    const file = `${root}.readme-example/example.mjs`;
    writeFileSync(file, code!);
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', cwd: root });
    rmSync(`${root}.readme-example`, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^localhost daemon\.json log rotation would-change \[\s*'create \/tmp\/fleet-readme-example\/daemon\.json: set log-driver, log-opts'/m);
  });

  it('task reference is up to date (regenerate with: npm run build && node scripts/gen-readme.mjs)', () => {
    const section = /<!-- reference:tasks -->\n([\s\S]*?)<!-- \/reference:tasks -->/.exec(readme)?.[1];
    expect(section).toBe(`${taskReference(builtinRegistry(), undefined, true).trim()}\n`);
  });

  it('names the test command that .ci/run calls', () => {
    expect(readme).toContain('```sh\nnpm test\n```');
    expect(readFileSync(`${root}.ci/run`, 'utf8')).toMatch(/^npm test$/m);
  });
});
