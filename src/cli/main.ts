#!/usr/bin/env node
import { runCli } from './program.js';

// SIGINT: stop taking new work; the exit code says the run was interrupted
process.once('SIGINT', () => {
  process.stderr.write('\nfleet: interrupted\n');
  process.exit(130);
});

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
