// The only thing the engine knows about reaching a host.

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** exit code; null when the remote command died from a signal */
  code: number | null;
  signal?: string;
}

export interface ExecOptions {
  /** bytes written to the command's stdin, then stdin is closed */
  stdin?: string | Buffer;
  /** kill the command and fail after this long (default: the transport's command timeout) */
  timeoutMs?: number;
  /** called when the transport gives up on the command (timeout, too much output), before it
   *  hangs up the channel: kills what the command runs on the host (engine/kill.ts) */
  abandon?: () => Promise<void>;
}

/** what one exec may print (stdout and stderr together) unless the host's max_output says otherwise */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export const mib = (bytes: number): string => `${Math.round((bytes / 2 ** 20) * 100) / 100} MiB`;

export interface Transport {
  /** human name for messages: user@host:port or 'local' */
  readonly target: string;
  /** open the connection (idempotent); rejects with TransportError */
  connect(): Promise<void>;
  /** run `command` through the remote user's shell */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** number of exec calls made so far (for round-trip tests and the benchmark) */
  readonly execCount: number;
}

/** `output`: the command printed more than the host's limit (the host failed, it is reachable) */
export type TransportErrorKind = 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'closed' | 'config' | 'output';

/** The host could not be reached or the channel broke: the host is "unreachable", not "failed". */
export class TransportError extends Error {
  constructor(
    readonly kind: TransportErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

/** The error of a command that printed more than its host's limit: the host failed. */
export const tooMuchOutput = (target: string, max: number): TransportError =>
  new TransportError('output', `${target}: the command printed more than ${mib(max)} (the host's max_output); fleet stopped reading and ended the command`);

/** Connection settings of one host, resolved from inventory vars and ~/.ssh/config. */
export interface ConnectionSpec {
  connection: 'ssh' | 'local' | 'pct';
  host: string;
  port: number;
  user?: string;
  identityFiles: string[];
  /** known_hosts files to verify against (default: ~/.ssh/known_hosts, /etc/ssh/ssh_known_hosts) */
  knownHostsFiles?: string[];
  /** ssh config file (default ~/.ssh/config); false to ignore */
  sshConfigFile?: string | false;
  /** jump hosts, outermost first: "user@host:port" */
  proxyJump?: string;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  /** what one exec may print, stdout and stderr together (default DEFAULT_MAX_OUTPUT_BYTES) */
  maxOutputBytes?: number;
  keepaliveIntervalMs?: number;
  password?: string;
  /** connection 'pct': the LXC guest and the Proxmox node (an inventory host) it runs on */
  pct?: PctVia;
}

export interface PctVia {
  vmid: number;
  /** the node's inventory name; its connection is shared by all its guests */
  node: string;
  nodeSpec: ConnectionSpec;
  /** pct needs root on the node: run it through `sudo -n` (the node's become is on) */
  sudo: boolean;
  /** session channels at once on the node's connection (sshd MaxSessions is 10 by default) */
  maxSessions: number;
}
