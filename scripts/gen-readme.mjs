// Regenerates the task reference in docs/tasks.md from the argument schemas and the hand-written
// docs/tasks/TYPE.md parts (run after `npm run build`; test/readme.test.ts checks it is current).
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinRegistry } from '../dist/tasks/builtin.js';
import { taskReference } from '../dist/tasks/reference.js';

const file = new URL('../docs/tasks.md', import.meta.url);
const page = readFileSync(file, 'utf8');
const body = taskReference(builtinRegistry(), undefined, true).trim();
writeFileSync(file, page.replace(/(<!-- reference:tasks -->\n)[\s\S]*?(<!-- \/reference:tasks -->)/, `$1${body}\n$2`));
