// The one line quoted for a failed step: the cause, never a usage trailer or "no output" when
// there was output.
import { describe, expect, it } from 'vitest';
import { meaningfulLine, stepFailure } from '../../src/engine/step-error.js';

describe('the line naming the cause', () => {
  it.each([
    ["docker: Error response from daemon: failed to create task: runc: permission denied\nSee 'docker run --help'.\n", 'docker: Error response from daemon: failed to create task: runc: permission denied'],
    ["\n\n  Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n", 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?'],
    // a progress line first, the cause after it
    ['Unable to find image hello-local:latest locally\npulling...\ndocker: Error response from daemon: pull access denied for hello-local.\n', 'Unable to find image hello-local:latest locally'],
    ['resolving...\nname not found: registry.internal\n', 'name not found: registry.internal'],
    ["ls: cannot access '/nope': No such file or directory\n", "ls: cannot access '/nope': No such file or directory"],
    ['"docker run" requires at least 1 argument.\nSee \'docker run --help\'.\n\nUsage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nRun a command in a new container\n', '"docker run" requires at least 1 argument.'],
    ["grep: invalid option -- 'z'\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", "grep: invalid option -- 'z'"],
    // fleet's own diagnosis over the tool's
    ['base64: write error: No space left on device\nfleet: cannot write the new /srv/b.conf (the old file is untouched); free space there: 40 KiB\n', 'fleet: cannot write the new /srv/b.conf (the old file is untouched); free space there: 40 KiB'],
    // no cause word: the first line that is not a trailer
    ['still starting\n', 'still starting'],
  ])('%j -> %j', (output, line) => {
    expect(meaningfulLine(output)).toBe(line);
  });

  it('nothing but blanks and trailers is no line', () => {
    expect(meaningfulLine(undefined)).toBeUndefined();
    expect(meaningfulLine('\n  \n')).toBeUndefined();
    expect(meaningfulLine("See 'docker run --help'.\n")).toBeUndefined();
  });

  it('a failed step says its exit status, and "no output" only when there was none', () => {
    expect(stepFailure(125, "docker: Error response from daemon: x\nSee 'docker run --help'.")).toBe('step failed (exit 125): docker: Error response from daemon: x');
    expect(stepFailure(1, undefined)).toBe('step failed (exit 1): no output');
    expect(stepFailure(undefined, 'boom')).toBe('step failed: boom');
  });
});
