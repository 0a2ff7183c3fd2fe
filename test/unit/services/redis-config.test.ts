/** How coldpath starts redis-server and talks to it with redis-cli: no persistence, the password out of argv. */
import { describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import { configPath, redisCliInput, redisConfigText, redisServerArgv } from '../../../src/services/redis/config.js';

const config = { bind: '198.19.0.4', port: 6379, dir: '/run/coldpath/abcd/redis-us-db', password: '0123456789abcdef0123456789abcdef' };

describe('redis-server configuration', () => {
  it('binds the service address and port, requires the password, persists nothing, stays in the foreground', () => {
    const lines = redisConfigText(config).split('\n');
    for (const line of [
      'bind 198.19.0.4',
      'port 6379',
      'requirepass 0123456789abcdef0123456789abcdef',
      'save ""',
      'appendonly no',
      'dir /run/coldpath/abcd/redis-us-db',
      'daemonize no',
      'logfile ""',
    ]) {
      expect(lines).toContain(line);
    }
  });

  it('starts from the file in its own directory: the password is not in argv', () => {
    const argv = redisServerArgv(config.dir);
    expect(argv).toEqual(['redis-server', '/run/coldpath/abcd/redis-us-db/redis.conf']);
    expect(configPath(config.dir)).toBe(argv[1]);
    expect(argv.join(' ')).not.toContain(config.password);
  });

  it('refuses a value it would have to quote (a state directory with a space)', () => {
    let error: unknown;
    try {
      redisConfigText({ ...config, dir: '/tmp/my state/redis' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ColdpathError);
    expect((error as ColdpathError).hint).toMatch(/COLDPATH_STATE_DIR/);
  });
});

describe('redis-cli input', () => {
  it('authenticates first, one command per line, empty arguments quoted', () => {
    expect(
      redisCliInput('pw1', [
        ['CLIENT', 'LIST'],
        ['SET', 'coldpath:value', ''],
      ]),
    ).toBe('AUTH pw1\nCLIENT LIST\nSET coldpath:value ""\n');
  });

  it('refuses an argument that would need quoting', () => {
    expect(() => redisCliInput('pw1', [['SET', 'a key', 'x']])).toThrow(ColdpathError);
  });
});
