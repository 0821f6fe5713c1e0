// Runs fleet's scripts on a host: the script travels on stdin to `sh -s` (no argv size limit, no
// quoting of the payload), optionally through sudo. When fleet gives up on a command (timeout,
// too much output), it kills every process of the command's session on the host before hanging
// up (kill.ts): closing the channel alone leaves a command that does not write running there.
import type { Transport, ExecResult } from '../transport/transport.js';
import { quote } from '../shell/sh.js';
import { randomBytes } from 'node:crypto';
import { WRITER_SHELL } from '../shell/writer.js';
import { EXEC_TAG, killScript, untag } from './kill.js';

export interface Become {
  enabled: boolean;
  user?: string;
  /** sudo password; never printed */
  password?: string;
}

/** how long the kill of a given-up command may take (TERM, a grace, KILL) */
const KILL_TIMEOUT_MS = 15_000;

export class Remote {
  constructor(
    readonly transport: Transport,
    private readonly become: Become,
  ) {}

  /** `writer`: the script writes files through the writer (shell/writer.ts) where the host has it */
  run(script: string, timeoutMs?: number, writer = false): Promise<ExecResult> {
    const tag = randomBytes(8).toString('hex');
    return this.exec(script, tag, writer, { timeoutMs, abandon: () => this.kill(tag) });
  }

  /** Kill what the command tagged `tag` still runs on the host; never throws. */
  private async kill(tag: string): Promise<void> {
    await this.exec(killScript(tag), randomBytes(8).toString('hex'), false, { timeoutMs: KILL_TIMEOUT_MS }).catch(() => undefined);
  }

  /** The script's own output: what the host's shell printed before the script ran (a banner
   *  from ~/.bashrc, /etc/bash.bashrc, with or without a newline) ends at the script's first line,
   *  which prints the tag. */
  private async exec(script: string, tag: string, writer: boolean, opts: { timeoutMs?: number; abandon?: () => Promise<void> }): Promise<ExecResult> {
    const r = await this.send(script, tag, writer, opts);
    const at = r.stdout.indexOf(`${tag}\n`);
    return at < 0 ? r : { ...r, stdout: r.stdout.slice(at + tag.length + 1) };
  }

  private send(script: string, tag: string, writer: boolean, opts: { timeoutMs?: number; abandon?: () => Promise<void> }): Promise<ExecResult> {
    const { enabled, user = 'root', password } = this.become;
    // the process that runs the script carries the tag in its environment (kill.ts finds its
    // session by it); the script's first line drops it, so what the script starts does not
    const tagged = (cmd: string) => `${EXEC_TAG}=${tag}; export ${EXEC_TAG}; ${cmd}`;
    const shell = writer ? WRITER_SHELL : 'exec /bin/sh -s';
    const stdin = `${untag}printf '%s\\n' ${quote(tag)}\n${script}`;
    if (!enabled) return this.transport.exec(tagged(shell), { ...opts, stdin });
    if (password === undefined) {
      const cmd = `if [ "$(id -un)" = ${quote(user)} ]; then ${tagged(shell)}; else exec sudo -n -H -u ${quote(user)} -- /bin/sh -c ${quote(tagged(shell))}; fi`;
      return this.transport.exec(cmd, { ...opts, stdin });
    }
    // sudo -S reads the password line only when it needs one; the shell then skips lines up to a
    // nonce, so an unneeded password is read and dropped, never executed.
    const nonce = randomBytes(8).toString('hex');
    const inner = tagged(`while IFS= read -r l; do [ "$l" = ${nonce} ] && { ${shell}; }; done; exit 97`);
    const cmd = `exec sudo -S -p '' -H -u ${quote(user)} -- /bin/sh -c ${quote(inner)}`;
    return this.transport.exec(cmd, { ...opts, stdin: `${password}\n${nonce}\n${stdin}` });
  }
}
