import { defineTask } from '../types.js';
import { doc, object, string } from '../schema/schema.js';
import { shellReadingFd3 } from '../shell/stdin-command.js';
import { guardArgs, guardFacts, planCommand, verifyCommand } from './lib/guards.js';

export const shellTask = defineTask({
  type: 'shell',
  description: 'Run a command through /bin/sh (pipes, redirections, variables). Idempotent only with creates, removes or unless; otherwise check mode says "would run — cannot predict".',
  freeForm: 'cmd',
  args: object({ cmd: doc(string(), 'shell command line'), ...guardArgs }),
  facts: (a) => guardFacts(a),
  plan: (a, now) => planCommand(a, now, a.cmd, shellReadingFd3, a.cmd),
  verify: (a, after) => verifyCommand(a, after),
});
