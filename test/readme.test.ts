// The README and docs/ keep their promises: the README stays short and names the test command
// that .ci/run calls, every relative link resolves, the library example runs as written, and the
// task reference is the one the code generates.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../src/tasks/builtin.js';
import { taskReference } from '../src/tasks/reference.js';

const root = new URL('..', import.meta.url).pathname;
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const readme = read('README.md');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchors = (md: string) => new Set([...md.matchAll(/^#{1,6} (.*)$/gm)].map((m) => m[1]!.toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));

describe('README and docs', () => {
  it('the README is short: what fleet is, contents, the two commands, a lab, an incident quick start', () => {
    expect(readme.length).toBeLessThan(8000);
    expect([...readme.matchAll(/^## (.*)$/gm)].map((m) => m[1])).toEqual(['Contents', 'Two commands', 'Try it on a lab', 'Incident quick start']);
    // the first command is a real dry run
    expect(readme).toContain('```sh\nnpm ci && npx fleet apply playbooks/harden.yaml --check --diff\n```');
  });

  it('every relative link in the README and docs/ resolves, anchors included', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = read(page);
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        const [file, anchor] = target.split('#') as [string, string | undefined];
        const path = file ? resolve(dirname(join(root, page)), file) : join(root, page);
        if (!existsSync(path)) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && path.endsWith('.md') && !anchors(readFileSync(path, 'utf8')).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('library example runs exactly as written (against the built package)', () => {
    const code = /<!-- example:library -->\n```ts\n([\s\S]*?)```/.exec(read('docs/library.md'))?.[1];
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
    const section = /<!-- reference:tasks -->\n([\s\S]*?)<!-- \/reference:tasks -->/.exec(read('docs/tasks.md'))?.[1];
    expect(section).toBe(`${taskReference(builtinRegistry(), undefined, true).trim()}\n`);
  });

  it('names the test command that .ci/run calls', () => {
    expect(readme).toContain('```sh\nnpm test\n```');
    expect(read('.ci/run')).toMatch(/^npm test$/m);
  });
});
