// Shell text from the playbook (a `shell:` command, an `unless` probe) run by its own /bin/sh
// without ever being a process argument: `sh -c TEXT` shows TEXT, secrets included, to every user
// of the host in `ps` and /proc/*/cmdline. The text travels instead inside the script fleet sends
// on stdin, as a here-document on fd 3 of the child shell, whose fixed reader reads it (builtins
// only), closes fd 3 and evals it: stdin, stdout, stderr, `$0` (sh), no positional parameters and
// the exit status are those `sh -c TEXT` would have.
import { createHash } from 'node:crypto';
import { NulInShellValueError, raw, sh, type Script } from './sh.js';

// the lines joined back with newlines exactly as written (the here-document adds the last one);
// the reader's variables are gone before the text runs
const READER = `fleet_c=; fleet_s=; while IFS= read -r fleet_l; do fleet_c=$fleet_c$fleet_s$fleet_l; fleet_s='
'; done <&3; exec 3<&-; eval "unset fleet_c fleet_s fleet_l; $fleet_c"`;

/** The child shell: runs what `carrying` puts on its fd 3. */
export const shellReadingFd3: Script = sh`/bin/sh -c ${READER} sh`;

/** `step` (which starts `shellReadingFd3` somewhere) with `text` on fd 3. The here-document follows
 *  the whole step, so the step may wrap the shell (timeout, cd, redirections) freely; its quoted
 *  delimiter expands nothing and, derived from the text, is never a line of it. */
export function carrying(step: Script, text: string): Script {
  if (text.includes('\0')) throw new NulInShellValueError();
  const lines = new Set(text.split('\n'));
  let delim = '';
  for (let i = 0; delim === '' || lines.has(delim); i++) delim = `FLEET_CMD_${createHash('sha256').update(`${i}\0${text}`).digest('hex').slice(0, 16)}`;
  // raw: the text is the body of a quoted here-document, which the shell never expands or parses
  return raw(`{ ${step.text}\n} 3<<'${delim}'\n${text}\n${delim}`);
}

/** `sh -c TEXT` with TEXT kept out of every argv; `wrap` puts the shell inside a larger step. */
export function shellCommand(text: string, wrap: (shell: Script) => Script = (s) => s): Script {
  return carrying(wrap(shellReadingFd3), text);
}
