// Runs fleet's scripts on a host: the script travels on stdin to `sh -s` (no argv size limit, no
// quoting of the payload), optionally through sudo.
import type { Transport, ExecResult } from '../transport/transport.js';
import { quote } from '../shell/sh.js';
import { randomBytes } from 'node:crypto';

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

  run(script: string, timeoutMs?: number): Promise<ExecResult> {
    const { enabled, user = 'root', password } = this.become;
    if (!enabled) return this.transport.exec('/bin/sh -s', { stdin: script, timeoutMs });
    if (password === undefined) {
      const cmd = `if [ "$(id -un)" = ${quote(user)} ]; then exec /bin/sh -s; else exec sudo -n -H -u ${quote(user)} -- /bin/sh -s; fi`;
      return this.transport.exec(cmd, { stdin: script, timeoutMs });
    }
    // sudo -S reads the password line only when it needs one; the shell then skips lines up to a
    // nonce, so an unneeded password is read and dropped, never executed.
    const nonce = randomBytes(8).toString('hex');
    const inner = `while IFS= read -r l; do [ "$l" = ${nonce} ] && exec /bin/sh -s; done; exit 97`;
    const cmd = `exec sudo -S -p '' -H -u ${quote(user)} -- /bin/sh -c ${quote(inner)}`;
    return this.transport.exec(cmd, { stdin: `${password}\n${nonce}\n${script}`, timeoutMs });
  }
}
