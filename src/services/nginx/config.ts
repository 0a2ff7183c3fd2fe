/**
 * How coldpath starts nginx: one configuration file per server, in the
 * server's own directory, with its pid file, lock file, temporary directories
 * and access log beside it — nothing under /etc/nginx, /var/log/nginx or
 * /var/lib/nginx is read or written (the startup error log is stderr: `-e`).
 */
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';

export interface NginxServerConfig {
  /** The service host's own address: the server listens there only. */
  listen: string;
  port: number;
  /** Its own directory (prefix), removed at teardown. */
  dir: string;
  /** Bytes of the body every GET is answered with. */
  bodyBytes: number;
  /** The system user the worker runs as (the master stays root to bind and open the log). */
  user: string;
}

/** Debian's nginx runs its workers as www-data (/etc/nginx/nginx.conf); so do coldpath's. */
export const NGINX_WORKER_USER = 'www-data';

/** Where a witness request goes: the block's name after this prefix, so the access log names the block. */
export const NGINX_WITNESS_PREFIX = '/coldpath-witness/';

/** The access log's format: the peer address nginx itself saw first, then its connection number, status and URI. */
export const NGINX_LOG_FORMAT = '$remote_addr $connection $status $request_uri';

/** The files of one server inside its directory. */
export interface NginxPaths {
  dir: string;
  conf: string;
  pid: string;
  lock: string;
  accessLog: string;
  /** Parent of the five temporary directories nginx creates at start (none is used by a GET). */
  temp: string;
}

export function nginxPaths(dir: string): NginxPaths {
  return { dir, conf: join(dir, 'nginx.conf'), pid: join(dir, 'nginx.pid'), lock: join(dir, 'nginx.lock'), accessLog: join(dir, 'access.log'), temp: join(dir, 'temp') };
}

/** A path or word that needs no quoting in nginx's configuration language. */
const PLAIN = /^[A-Za-z0-9._:/@+-]+$/;

function plain(field: string, value: string): string {
  if (!PLAIN.test(value)) {
    throw new ColdpathError(`nginx ${field} ${JSON.stringify(value)} has characters coldpath does not quote`, {
      kind: 'environment',
      hint: field === 'dir' ? 'set COLDPATH_STATE_DIR to a path of letters, digits and . _ - / only' : 'see src/services/nginx/config.ts',
    });
  }
  return value;
}

/**
 * The configuration. In the foreground (`daemon off`: coldpath owns the
 * process and the ledger records it) with a master and one worker, as nginx
 * runs in production: the master binds and opens the log as root, the worker
 * serves as www-data and inherits the master's CPU (the daemon starts on the
 * services' CPU). `error_log stderr notice` lets coldpath wait for "start
 * worker process". Every request is answered from memory (`return 200`): the
 * figure is the path, the connection and nginx's HTTP handling, not a disk.
 * A kept connection stays open for the whole measurement: nginx's defaults
 * close one after 1 000 requests or 75 s idle, which would put reconnects
 * into `http.get`. Every request is logged — as a production server does; the
 * write happens after the response is sent — in a format whose first field is
 * `$remote_addr`, what the path check reads.
 */
export function nginxConfigText(config: NginxServerConfig): string {
  const paths = nginxPaths(plain('dir', config.dir));
  const temp = (name: string): string => `    ${name}_temp_path ${join(paths.temp, name.replace('client_body', 'body'))};`;
  return [
    '# written by coldpath for one run; removed with the run',
    'daemon off;',
    'master_process on;',
    'worker_processes 1;',
    `user ${plain('user', config.user)};`,
    `pid ${paths.pid};`,
    `lock_file ${paths.lock};`,
    'error_log stderr notice;',
    'events {',
    '    worker_connections 1024;',
    '}',
    'http {',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    `    log_format coldpath '${NGINX_LOG_FORMAT}';`,
    '    access_log off;',
    '    keepalive_requests 1000000000;',
    '    keepalive_timeout 3600s;',
    '    server_tokens off;',
    '    server {',
    `        listen ${plain('listen', config.listen)}:${config.port};`,
    '        server_name coldpath;',
    `        access_log ${paths.accessLog} coldpath;`,
    '        default_type application/octet-stream;',
    '        location / {',
    `            return 200 "${'x'.repeat(config.bodyBytes)}";`,
    '        }',
    '    }',
    '}',
    '',
  ].join('\n');
}

/** The command line: prefix and configuration in the server's directory, startup errors to stderr (never /var/log/nginx). */
export function nginxArgv(binary: string, dir: string): string[] {
  const paths = nginxPaths(dir);
  return [binary, '-p', `${dir}/`, '-c', paths.conf, '-e', 'stderr'];
}
