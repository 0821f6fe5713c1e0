// A shell command line reaches its /bin/sh on fd 3, never as an argument, and behaves as `sh -c`.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sh } from '../../src/shell/sh.js';
import { shellCommand } from '../../src/shell/stdin-command.js';

/** the step inside an apply-like script read by `sh -s` from stdin, stdin of the step /dev/null */
const viaScript = (text: string, wrap?: Parameters<typeof shellCommand>[1]) =>
  spawnSync('/bin/sh', ['-s'], { input: `( set -e\n${shellCommand(text, wrap).text}\n) </dev/null\necho "rc=$?"\n`, encoding: 'utf8' });
const viaArgv = (text: string) => spawnSync('/bin/sh', ['-c', `( set -e\nsh -c "$1"\n) </dev/null\necho "rc=$?"`, 'sh', text], { encoding: 'utf8' });

describe('shellCommand', () => {
  it.each([
    'echo hi; echo err >&2; exit 3',
    'echo "$0 $#"',
    'read x; echo "read:$? $x"',
    'false; echo "no set -e here"',
    'cat <<EOF\nown here-document\nEOF\necho after',
    'printf "%s|" "$fleet_c" "$fleet_l" "$fleet_s"; echo',
    "echo 'trailing newlines'\n\n\n",
    'echo FLEET_CMD_x\nFLEET_CMD_x',
    'if',
    'echo $(( 6 * 7 )) \\\n  continued',
  ])('runs %j exactly as sh -c does', (text) => {
    const a = viaScript(text);
    const b = viaArgv(text);
    expect({ out: a.stdout, err: a.stderr.replace(/eval: /, '') }).toEqual({ out: b.stdout, err: b.stderr });
  });

  it('runs any text as sh -c does (property: printable text, quotes, newlines)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ -~\n]{0,40}$/).map((s) => `printf '%s' '${s.replace(/'/g, `'\\''`)}'`), (text) => viaScript(text).stdout === viaArgv(text).stdout),
      { numRuns: 100 },
    );
  });

  it('the delimiter is never a line of the text', () => {
    const text = 'echo one';
    const delim = /<<'(FLEET_CMD_[0-9a-f]+)'/.exec(shellCommand(text).text)![1]!;
    const tricky = `echo one\n${delim}\necho two`;
    expect(shellCommand(tricky).text).not.toContain(`<<'${delim}'`);
    const [a, b] = [viaScript(tricky), viaArgv(tricky)];
    expect({ out: a.stdout, err: a.stderr.replace(/eval: /, '') }).toEqual({ out: b.stdout, err: b.stderr });
    expect(a.stdout).toBe('one\ntwo\nrc=0\n');
  });

  it('wrapped (timeout, cd), the text still arrives', () => {
    const r = viaScript('pwd; echo "$X"', (s) => sh`cd /tmp && X=1 timeout 5 ${s}`);
    expect(r.stdout).toBe('/tmp\n1\nrc=0\n');
  });

  it('no process on the host ever has the text in its argv', async () => {
    const secret = `s3cret-${process.pid}-${Date.now()}`;
    const child = spawn('/bin/sh', ['-s'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.end(`( set -e\n${shellCommand(`sleep 1; echo ${secret}`).text}\n) </dev/null\n`);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const seen: string[] = [];
    const done = new Promise((r) => child.on('close', r));
    let running = true;
    void done.then(() => (running = false));
    while (running) {
      for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
        try {
          const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (args.includes(secret)) seen.push(args);
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(out).toBe(`${secret}\n`);
    expect(seen).toEqual([]);
  });
});
