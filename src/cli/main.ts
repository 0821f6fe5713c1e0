#!/usr/bin/env node
import { runCli } from './program.js';

// SIGINT: stop taking new work; the exit code says the run was interrupted
process.once('SIGINT', () => {
  process.stderr.write('\nfleet: interrupted\n');
  process.exit(130);
});

// `fleet … | head`: a closed pipe ends the output, not with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
