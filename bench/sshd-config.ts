/**
 * A test (or benchmark) sshd's configuration: keys only, root by key, one listen address, the given host key and
 * authorized_keys; `pidFile` none unless given. StrictModes off: the keys live under world-writable /tmp.
 */
export function sshdConfig(options: { listen: string; hostKey: string; authorizedKeys: string; pidFile?: string }): string {
  return [
    `ListenAddress ${options.listen}`,
    `HostKey ${options.hostKey}`,
    `AuthorizedKeysFile ${options.authorizedKeys}`,
    `PidFile ${options.pidFile ?? 'none'}`,
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'StrictModes no',
    'LogLevel INFO',
    '',
  ].join('\n');
}
