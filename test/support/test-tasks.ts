// Tiny real tasks for engine and loader tests: they touch only files under a directory the test owns.
import { defineTask } from '../../src/types.js';
import { object, string, optional, withDefault, bool } from '../../src/schema/schema.js';
import { sh, atomicWrite } from '../../src/shell/sh.js';
import { TaskRegistry } from '../../src/tasks/registry.js';

/** a file's text, or undefined when there is none (a fact for test tasks) */
export const readFile = (path: string) => ({
  key: `test-file:${path}`,
  probe: sh`if [ -f ${path} ]; then echo present; base64 -w0 ${path}; fi`,
  parse: (out: string) => {
    const [flag, b64 = ''] = out.split('\n');
    return flag === 'present' ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
  },
});

/** Writes `content` to `path` when it differs. */
export const putTask = defineTask({
  type: 'put',
  description: 'test: write a file',
  args: object({ path: string(), content: string(), fail: withDefault(bool(), false) }),
  facts: (a) => ({ file: readFile(a.path) }),
  plan(a, now) {
    if (now.file === a.content) return { ok: `${a.path} has the content` };
    return [
      {
        summary: `write ${a.path}`,
        diff: { path: a.path, before: now.file ?? '', after: a.content },
        steps: a.fail ? [sh`echo boom >&2`, sh`false`] : [atomicWrite(a.path, a.content)],
        invalidates: [`test-file:${a.path}`],
      },
    ];
  },
});

/** Appends a line to a log every time: a handler-like action that always changes. */
export const logTask = defineTask({
  type: 'log',
  description: 'test: append to a log',
  args: object({ path: string(), line: string(), note: optional(string()) }),
  facts: () => ({}),
  plan: (a) => [{ summary: `log ${a.line}`, steps: [sh`printf '%s\n' ${a.line} >> ${a.path}`], invalidates: [] }],
  verify: () => undefined,
});

/** Reads a file another task writes: its plan depends on an earlier change. */
export const copyFromTask = defineTask({
  type: 'copy_from',
  description: 'test: copy one file to another',
  args: object({ from: string(), to: string() }),
  facts: (a) => ({ src: readFile(a.from), dst: readFile(a.to) }),
  plan(a, now) {
    if (now.src === undefined) throw new Error(`${a.from} does not exist`);
    if (now.src === now.dst) return { ok: 'same' };
    return [{ summary: `copy ${a.from} -> ${a.to}`, steps: [sh`cp ${a.from} ${a.to}`], invalidates: [`test-file:${a.to}`] }];
  },
});

export const testRegistry = () => new TaskRegistry([putTask, logTask, copyFromTask]);
