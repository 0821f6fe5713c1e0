// Regenerates the README's task reference from the argument schemas (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { builtinRegistry } from '../dist/tasks/builtin.js';
import { taskReference } from '../dist/tasks/reference.js';

const file = new URL('../README.md', import.meta.url);
const readme = readFileSync(file, 'utf8');
const body = taskReference(builtinRegistry(), undefined, true).trim();
const out = readme.replace(/(<!-- reference:tasks -->\n)[\s\S]*?(<!-- \/reference:tasks -->)/, `$1${body}\n$2`);
writeFileSync(file, out);
