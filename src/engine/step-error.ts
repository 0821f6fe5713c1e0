// The line of a failed step's output that says what went wrong, for one-line reasons: tools end
// their error output with usage trailers ("See 'docker run --help'.", "Usage: ...", "Try 'x --help'")
// that tell nothing about the cause, so the last line is the wrong one to quote.

const TRAILER = [
  /^see ['`"]?[\w./ -]+--help['`"]?(?: for more information)?\.?$/i,
  /^try ['`"]?[\w./ -]+(?:--help|-h)['`"]?(?: for more information)?\.?$/i,
  /^run ['`"]?[\w./ -]+--help['`"]? for (?:more information|usage)\.?$/i,
  /^usage:/i,
  /^for more (?:information|details)/i,
];
const CAUSE = /error|fail|denied|not found|no such|cannot|can't|couldn't|unable|refused|timed out|invalid|fatal|panic|permission|unknown|missing/i;

/** fleet's own message, else the first line naming a cause, else the first line that is not blank
 *  or a usage trailer. */
export function meaningfulLine(output: string | undefined): string | undefined {
  let lines = (output ?? '').split('\n').map((l) => l.trim());
  // what follows a usage line is the usage text
  const usage = lines.findIndex((l) => /^usage:/i.test(l));
  if (usage > 0 && lines.slice(0, usage).some((l) => l !== '')) lines = lines.slice(0, usage);
  lines = lines.filter((l) => l !== '' && !TRAILER.some((t) => t.test(l)));
  // fleet's own diagnosis (the write helpers') says more than the tool's error before it
  return lines.find((l) => l.startsWith('fleet: ')) ?? lines.find((l) => CAUSE.test(l)) ?? lines[0];
}

/** `step failed (exit 125): docker: Error response from daemon: …`; with no output, says so. */
export function stepFailure(exitCode: number | undefined, output: string | undefined): string {
  const line = meaningfulLine(output);
  const status = exitCode === undefined ? '' : ` (exit ${exitCode})`;
  return `step failed${status}: ${line ?? 'no output'}`;
}
