/** How coldpath starts nginx: everything in its own directory, in the foreground, the service address only, a log that names the source. */
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { NGINX_LOG_FORMAT, nginxArgv, nginxConfigText, nginxPaths } from '../../../src/services/nginx/config.js';

const dir = '/run/coldpath/abcd/nginx-us-web';
const config = { listen: '198.19.0.4', port: 80, dir, bodyBytes: 16, user: 'www-data' };

describe('nginx configuration', () => {
  const text = nginxConfigText(config);
  const lines = text.split('\n').map((line) => line.trim());

  it('stays in the foreground, with a master and one worker as www-data, pid and lock files in its directory', () => {
    for (const line of ['daemon off;', 'master_process on;', 'worker_processes 1;', 'user www-data;', `pid ${dir}/nginx.pid;`, `lock_file ${dir}/nginx.lock;`, 'error_log stderr notice;']) {
      expect(lines).toContain(line);
    }
  });

  it('keeps every temporary directory in its own directory (nothing under /var/lib/nginx)', () => {
    for (const [directive, name] of [
      ['client_body', 'body'],
      ['proxy', 'proxy'],
      ['fastcgi', 'fastcgi'],
      ['uwsgi', 'uwsgi'],
      ['scgi', 'scgi'],
    ]) {
      expect(lines).toContain(`${directive}_temp_path ${dir}/temp/${name};`);
    }
    expect(text).not.toMatch(/\/var\/(log|lib)\/nginx|\/etc\/nginx/);
  });

  it('listens on the service address and port only and answers every GET with the body from memory', () => {
    expect(lines).toContain('listen 198.19.0.4:80;');
    expect(lines.filter((line) => line.startsWith('listen'))).toHaveLength(1);
    expect(lines).toContain(`return 200 "${'x'.repeat(16)}";`);
    expect(nginxConfigText({ ...config, bodyBytes: 0 })).toContain('return 200 "";');
  });

  it('logs every request with $remote_addr first, and never closes a kept connection during a measurement', () => {
    expect(NGINX_LOG_FORMAT.split(' ')[0]).toBe('$remote_addr');
    expect(lines).toContain(`log_format coldpath '${NGINX_LOG_FORMAT}';`);
    expect(lines).toContain(`access_log ${dir}/access.log coldpath;`);
    expect(lines).toContain('keepalive_requests 1000000000;');
    expect(lines).toContain('keepalive_timeout 3600s;');
  });

  it('balances its braces', () => {
    expect((text.match(/{/g) ?? []).length).toBe((text.match(/}/g) ?? []).length);
  });

  it('starts with its directory as prefix and the file there; startup errors to stderr', () => {
    expect(nginxArgv('/usr/sbin/nginx', dir)).toEqual(['/usr/sbin/nginx', '-p', `${dir}/`, '-c', nginxPaths(dir).conf, '-e', 'stderr']);
    expect(nginxPaths(dir).conf).toBe(`${dir}/nginx.conf`);
  });

  it('refuses a directory it would have to quote (exit 3, with a hint)', () => {
    expect(() => nginxConfigText({ ...config, dir: '/tmp/with space' })).toThrow(ColdpathError);
    let error: unknown;
    try {
      nginxConfigText({ ...config, dir: '/tmp/a;b' });
    } catch (caught) {
      error = caught;
    }
    expect((error as ColdpathError).processExitCode).toBe(3);
    expect((error as ColdpathError).hint).toMatch(/COLDPATH_STATE_DIR/);
  });
});
