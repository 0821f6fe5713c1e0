import { defineTask } from '../types.js';
import { doc, object, string } from '../schema/schema.js';
import { fileFact } from '../facts/file.js';
import { planContent } from './lib/content.js';
import { checkWriteArgs, writeArgs } from './copy.js';

export const templateTask = defineTask({
  type: 'template',
  description: 'A file rendered from a Handlebars template on the controller with the host\'s variables, replaced atomically, with a diff.',
  args: object({ ...writeArgs, src: doc(string(), 'Handlebars template on the controller, relative to the playbook') }, checkWriteArgs),
  resolve: (a, ctx) => ({ ...a, src: ctx.render(ctx.readFile(a.src), `template ${a.src}`) }),
  facts: (a) => ({ now: fileFact(a.dest, { follow: a.follow }) }),
  // after resolve, `src` holds the rendered text
  plan: (a, { now }) => planContent(a.dest, now, a.src, a),
});
