#!/usr/bin/env node
import './tiering.js';
import { runCli } from './program.js';
import { interruptRuns } from '../engine/run.js';

// SIGINT: record the run as interrupted in the journal (not left 'running'), then exit at once;
// a remote script cut off mid-file leaves the old file in place (every write is a temp file + mv)
process.once('SIGINT', () => {
  interruptRuns();
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
