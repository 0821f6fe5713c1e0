// Questions on a TTY: a confirmation and a password read without echo. Ctrl-C at a question aborts
// at once (exit 130), Ctrl-D answers no.
import { createInterface } from 'node:readline';
import { ExitCode, FleetError } from '../errors.js';

const interrupted = () => new FleetError('interrupted', ExitCode.interrupted);

/** One line of answer; readline in terminal mode turns Ctrl-C into its 'SIGINT' event, which would
 *  otherwise only pause the input and leave the question open. */
async function ask(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  const rl = createInterface({ input, output });
  try {
    return await new Promise<string>((res, rej) => {
      rl.on('SIGINT', () => {
        output.write('\n');
        rej(interrupted());
      });
      rl.on('close', () => res(''));
      rl.question(question, res);
    });
  } finally {
    rl.close();
  }
}

/** [y/N]: y or yes confirms. */
export async function confirm(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<boolean> {
  return /^y(es)?$/i.test((await ask(`${question} [y/N] `, input, output)).trim());
}

/** For changes to many hosts, as Terraform asks: only the word `yes` confirms. */
export async function confirmYes(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<boolean> {
  return (await ask(`${question}\n  Only 'yes' will be accepted to approve.\n  Enter a value: `, input, output)).trim() === 'yes';
}

export async function askSecret(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream): Promise<string> {
  output.write(question);
  const wasRaw = input.isRaw;
  input.setRawMode?.(true);
  input.resume();
  try {
    return await new Promise<string>((res, rej) => {
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            input.off('data', onData);
            output.write('\n');
            return res(value);
          }
          if (ch === '\u0003') {
            input.off('data', onData);
            output.write('\n');
            return rej(interrupted());
          }
          if (ch === '\u007f') value = value.slice(0, -1);
          else value += ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode?.(wasRaw);
    input.pause();
  }
}
