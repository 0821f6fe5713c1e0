#!/usr/bin/env node
import './tiering.js';
import { runCli } from './program.js';
import { interruptRuns } from '../engine/run.js';
import { ExitCode } from '../errors.js';
import { recap } from '../report/format.js';
import { styleFor, useColor } from '../report/style.js';
import { redact } from '../secrets/registry.js';

// SIGINT, SIGTERM (kill, systemd, a CI timeout) and SIGHUP (the terminal closed): record the run as
// stopped in the journal with the hosts it was working on (never left 'running'), print the recap
// of what it reached, then exit at once with 128 + the signal's number; a remote script cut off
// mid-file leaves the old file in place (every write is a temp file + mv)
const SIGNALS = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated, SIGHUP: ExitCode.hangup } as const;
for (const [signal, code] of Object.entries(SIGNALS)) {
  process.once(signal, () => {
    const reached = interruptRuns(`interrupted (${signal})`);
    try {
      // the terminal may be gone (SIGHUP): the journal is already written, the recap is a courtesy
      if (process.stdout.isTTY) process.stdout.write('\x1b[?25h'); // a live progress display hid the cursor
      const style = styleFor(useColor(process.stdout));
      for (const r of reached) process.stdout.write(redact(`\n${recap(r, style)}\n`));
      process.stderr.write(`\nfleet: interrupted (${signal})\n`);
    } catch {
      // nothing left to tell
    }
    process.exit(code);
  });
}

// `fleet … | head`: a closed pipe ends the output, not with a stack trace
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

const code = await runCli(process.argv.slice(2));
process.exitCode = code;
