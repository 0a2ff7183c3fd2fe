/** A service of kind nginx on a machine without nginx: exit 3 naming the Debian package, before anything exists. */
import { describe, expect, it } from 'vitest';
import { checkNginx } from '../../../src/engine/real-servers/nginx.js';
import { ColdpathError } from '../../../src/errors.js';

function refusal(run: () => unknown): ColdpathError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ColdpathError);
    return error as ColdpathError;
  }
  throw new Error('nginx was accepted');
}

describe('checkNginx', () => {
  it('returns the binary it found', () => {
    expect(checkNginx('services.0.kind', () => '/usr/sbin/nginx', 'www-data:x:33:33::/var/www:/usr/sbin/nologin\n')).toBe('/usr/sbin/nginx');
  });

  it('names the Debian package nginx when the binary is missing (exit 3)', () => {
    const error = refusal(() => checkNginx('services.1.kind', () => undefined));
    expect(error.processExitCode).toBe(3);
    expect(error.field).toBe('services.1.kind');
    expect(error.message).toMatch(/services\.1\.kind: nginx needs nginx \(Debian package nginx\)/);
    expect(error.hint).toMatch(/^apt-get install -y nginx/);
  });

  it('names the worker’s user when the system has none (exit 3)', () => {
    const error = refusal(() => checkNginx('services.0.kind', () => '/usr/sbin/nginx', 'root:x:0:0::/root:/bin/sh\n'));
    expect(error.processExitCode).toBe(3);
    expect(error.message).toMatch(/www-data/);
  });
});
