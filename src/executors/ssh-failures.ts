/**
 * What an ssh client's stderr says went wrong before the agent answered, as
 * one line and a hint. OpenSSH exits 255 for its own failures and prints one
 * reason line (after banners and, for a changed host key, a box of warnings);
 * the remote shell prints its own (`coldpath: command not found`, exit 127).
 */

export interface SshFailure {
  /** The stderr line that says why (the last non-empty one when no known line matches). */
  line: string;
  hint: string;
}

/** Known reasons, most specific first: a changed host key also prints "Host key verification failed". */
const KNOWN: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /REMOTE HOST IDENTIFICATION HAS CHANGED/,
    'the host key differs from the one in known_hosts: if the host was reinstalled, check its new key and replace the line (`ssh-keygen -R HOST`); otherwise do not connect',
  ],
  [
    /No \S+ host key is known|Host key verification failed/,
    'the host key is not in known_hosts (BatchMode never asks): add it (`ssh-keyscan -p PORT HOST >> known_hosts`, after checking it) or set hosts.N.ssh.knownHostsFile',
  ],
  [
    /Permission denied \(/,
    "the host did not accept any key offered: check hosts.N.ssh.user and identityFile, and that the public key is in the user's authorized_keys (BatchMode allows keys only, no password)",
  ],
  [/Connection refused/, 'nothing listens on that address and port: is sshd running there, and is hosts.N.ssh.port right?'],
  [/Connection timed out|No route to host|Network is unreachable/, 'the host is unreachable from here: check hosts.N.address and the network (a firewall drops the connection)'],
  [/Could not resolve hostname/, 'the host name does not resolve: check hosts.N.address'],
  [/Load key .*: (No such file|Permission denied|invalid format)|no such identity/i, 'the key file cannot be read: check hosts.N.ssh.identityFile (a private key, mode 600)'],
  [/command not found|No such file or directory|not found/, 'coldpath is not installed on the host, or not on the remote PATH: install it (docs/ssh.md) or set hosts.N.ssh.command to its full path'],
  // A Node.js crash ends with its version line; the reason is the first error line of the trace.
  [
    /^(?:[A-Za-z]*Error|Error)(?: \[[A-Z_]+\])?: /,
    "the agent crashed on the host: run the agent command there by hand to see the whole trace; is the host's coldpath built (`npm run build`) and of the coordinator's version?",
  ],
];

/** Picks the line of `stderr` that explains the failure, and what to do about it. */
export function explainSshFailure(stderr: string): SshFailure {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^@+$/.test(line));
  for (const [pattern, hint] of KNOWN) {
    const line = lines.find((candidate) => pattern.test(candidate));
    if (line !== undefined) return { line, hint };
  }
  return {
    line: lines.at(-1) ?? 'no message on stderr',
    hint: 'run the same ssh command by hand (without BatchMode=yes, with -v) to see why it fails',
  };
}
