import { defineTask } from '../types.js';
import { doc, list, object, optional, SchemaError, string } from '../schema/schema.js';
import { sh } from '../shell/sh.js';
import { splitWords } from '../shell/words.js';
import { guardArgs, guardFacts, planCommand, verifyCommand } from './lib/guards.js';

export const commandTask = defineTask({
  type: 'command',
  description: 'Run a program without a shell (no pipes, globs or variables). Idempotent only with creates, removes or unless; otherwise check mode says "would run — cannot predict".',
  freeForm: 'cmd',
  args: object(
    {
      cmd: doc(optional(string()), 'the command line, split into words with shell quoting rules (no expansion)'),
      argv: doc(optional(list(string())), 'the program and its arguments as a list (instead of cmd)'),
      ...guardArgs,
    },
    (a, path) => {
      if ((a.cmd === undefined) === (a.argv === undefined)) throw new SchemaError(path, 'give exactly one of cmd or argv');
      let words: string[];
      try {
        words = a.argv ?? splitWords(a.cmd!);
      } catch (e) {
        throw new SchemaError([...path, 'cmd'], (e as Error).message);
      }
      if (words.length === 0 || words[0] === '') throw new SchemaError([...path, a.argv ? 'argv' : 'cmd'], 'names no program to run');
    },
  ),
  facts: (a) => guardFacts(a),
  plan(a, now) {
    const argv = a.argv ?? splitWords(a.cmd!);
    return planCommand(a, now, argv.join(' '), sh`${argv}`);
  },
  verify: (a, after) => verifyCommand(a, after),
});
