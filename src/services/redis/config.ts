/**
 * How coldpath starts `redis-server`: one configuration file per server, in
 * the server's own directory. The password is in the file (mode 0600), not in
 * argv, so it is neither in `ps` nor in the ledger.
 */
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';

export interface RedisServerConfig {
  /** The service host's own address: the server listens there only. */
  bind: string;
  port: number;
  /** Its own directory: configuration file and working directory, removed at teardown. */
  dir: string;
  /** `requirepass`: every connection authenticates, so AUTH is part of connection set-up. */
  password: string;
}

/** The configuration file's path inside the server's directory. */
export const configPath = (dir: string): string => join(dir, 'redis.conf');

/** A value that needs no quoting in a Redis configuration file or a redis-cli line. */
const PLAIN = /^[A-Za-z0-9._:/@+-]+$/;

function plain(field: string, value: string): string {
  if (!PLAIN.test(value)) {
    throw new ColdpathError(`redis ${field} ${JSON.stringify(value)} has characters coldpath does not quote`, {
      kind: 'environment',
      hint: field === 'dir' ? 'set COLDPATH_STATE_DIR to a path of letters, digits and . _ - / only' : 'see src/services/redis/config.ts',
    });
  }
  return value;
}

/**
 * The configuration: in the foreground (coldpath owns the process), logging
 * to stdout (the daemon's line reader waits for "Ready to accept
 * connections"), and no persistence — no RDB snapshots (`save ""`) and no
 * append-only file — so nothing but the file itself is ever written, and no
 * fork for a background save disturbs a measurement.
 */
export function redisConfigText(config: RedisServerConfig): string {
  return [
    '# written by coldpath for one run; removed with the run',
    `bind ${plain('bind', config.bind)}`,
    `port ${config.port}`,
    `requirepass ${plain('password', config.password)}`,
    'save ""',
    'appendonly no',
    `dir ${plain('dir', config.dir)}`,
    'daemonize no',
    'supervised no',
    'logfile ""',
    'loglevel notice',
    'databases 1',
    '',
  ].join('\n');
}

/** The command line: the configuration file, nothing else. */
export function redisServerArgv(dir: string): string[] {
  return ['redis-server', configPath(dir)];
}

/**
 * redis-cli's standard input for `commands` (it runs one command per line
 * when stdin is not a terminal), authenticated first; the password stays out
 * of argv. Arguments must be plain words or empty.
 */
export function redisCliInput(password: string, commands: ReadonlyArray<readonly string[]>): string {
  const word = (value: string): string => (value === '' ? '""' : plain('argument', value));
  return [['AUTH', password], ...commands].map((command) => `${command.map(word).join(' ')}\n`).join('');
}
