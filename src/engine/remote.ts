// Runs fleet's scripts on a host: the script travels on stdin to `sh -s` (no argv size limit, no
// quoting of the payload), optionally through sudo.
import type { Transport, ExecResult } from '../transport/transport.js';
import { quote } from '../shell/sh.js';
import { randomBytes } from 'node:crypto';
import { WRITER_SHELL } from '../shell/writer.js';

export interface Become {
  enabled: boolean;
  user?: string;
  /** sudo password; never printed */
  password?: string;
}

export class Remote {
  constructor(
    readonly transport: Transport,
    private readonly become: Become,
  ) {}

  /** `writer`: the script writes files through the writer (shell/writer.ts) where the host has it */
  run(script: string, timeoutMs?: number, writer = false): Promise<ExecResult> {
    const { enabled, user = 'root', password } = this.become;
    const shell = writer ? `/bin/sh -c ${quote(WRITER_SHELL)}` : '/bin/sh -s';
    if (!enabled) return this.transport.exec(writer ? WRITER_SHELL : shell, { stdin: script, timeoutMs });
    if (password === undefined) {
      const cmd = `if [ "$(id -un)" = ${quote(user)} ]; then ${writer ? WRITER_SHELL : `exec ${shell}`}; else exec sudo -n -H -u ${quote(user)} -- ${shell}; fi`;
      return this.transport.exec(cmd, { stdin: script, timeoutMs });
    }
    // sudo -S reads the password line only when it needs one; the shell then skips lines up to a
    // nonce, so an unneeded password is read and dropped, never executed.
    const nonce = randomBytes(8).toString('hex');
    const inner = `while IFS= read -r l; do [ "$l" = ${nonce} ] && exec ${shell}; done; exit 97`;
    const cmd = `exec sudo -S -p '' -H -u ${quote(user)} -- /bin/sh -c ${quote(inner)}`;
    return this.transport.exec(cmd, { stdin: `${password}\n${nonce}\n${script}`, timeoutMs });
  }
}
