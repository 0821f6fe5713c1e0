// Which credentials to offer, in order: identity files (inventory, then ssh config, else the
// OpenSSH defaults that exist), then ssh-agent, then a password if the inventory has one.
// Keys that cannot be used are skipped with a note that ends up in the auth error; so are keys that
// others can read, as OpenSSH ignores them ("UNPROTECTED PRIVATE KEY FILE").
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

const { utils } = ssh2;

export interface AuthAttempt {
  /** what the auth error says was tried: `key /path`, `ssh-agent`, `password` */
  label: string;
  /** the ssh2 authHandler value */
  auth: { type: 'publickey' | 'agent' | 'password'; username: string; [k: string]: unknown };
}

export interface AuthPlan {
  attempts: AuthAttempt[];
  /** keys skipped and why */
  notes: string[];
}

export const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((k) => join(homedir(), '.ssh', k));

/** OpenSSH's rule (sshkey_perm_ok): a key file of ours with any group/other bit is refused; fleet
 *  also refuses one that anybody may read, whoever owns it. The mode as octal, or undefined. */
export function tooOpen(st: Pick<Stats, 'mode' | 'uid'>, uid: number | undefined = process.getuid?.()): string | undefined {
  const bad = (st.uid === uid && (st.mode & 0o077) !== 0) || (st.mode & 0o007) !== 0;
  return bad ? `0${(st.mode & 0o777).toString(8).padStart(3, '0')}` : undefined;
}

export interface AuthInputs {
  user: string;
  identityFiles: readonly string[];
  password?: string;
  env?: NodeJS.ProcessEnv;
}

export function authPlan({ user, identityFiles, password, env = process.env }: AuthInputs): AuthPlan {
  const attempts: AuthAttempt[] = [];
  const notes: string[] = [];
  const files = identityFiles.length ? identityFiles : DEFAULT_IDENTITY_FILES.filter((f) => existsSync(f));
  const passphrase = env.FLEET_SSH_KEY_PASSPHRASE || undefined;
  for (const f of files) {
    let data: Buffer;
    try {
      const st = statSync(f);
      // a FIFO would block the read for ever, a directory cannot be read
      if (!st.isFile()) {
        notes.push(`key ${f} skipped: not a regular file`);
        continue;
      }
      const open = tooOpen(st);
      if (open) {
        notes.push(`key ${f} skipped: UNPROTECTED PRIVATE KEY FILE: permissions ${open} for ${f} are too open, others than its owner can read it; fix with: chmod 600 ${f}`);
        continue;
      }
      data = readFileSync(f);
    } catch (e) {
      notes.push(`key ${f} skipped: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
      continue;
    }
    const parsed = utils.parseKey(data, passphrase);
    if (parsed instanceof Error) {
      const encrypted = /encrypt|passphrase|decrypt/i.test(parsed.message);
      notes.push(
        encrypted
          ? passphrase
            ? `key ${f} skipped: FLEET_SSH_KEY_PASSPHRASE does not decrypt it`
            : `key ${f} skipped: it is encrypted (set FLEET_SSH_KEY_PASSPHRASE or add it to ssh-agent)`
          : `key ${f} skipped: ${parsed.message}`,
      );
      continue;
    }
    attempts.push({ label: `key ${f}`, auth: { type: 'publickey', username: user, key: data, passphrase } });
  }
  if (env.SSH_AUTH_SOCK) attempts.push({ label: 'ssh-agent', auth: { type: 'agent', username: user, agent: env.SSH_AUTH_SOCK } });
  if (password !== undefined) attempts.push({ label: 'password', auth: { type: 'password', username: user, password } });
  return { attempts, notes };
}

/** ssh2's method name for an attempt, to check it against what the server still accepts. */
export const methodOf = (a: AuthAttempt): string => (a.auth.type === 'agent' ? 'publickey' : a.auth.type);
