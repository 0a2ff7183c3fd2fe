/** What coldpath runs and where a user gets it. */
import { describe, expect, it } from 'vitest';
import { installHint, TOOLS, which } from '../../../src/env/tools.js';

describe('tools', () => {
  it('finds a program on PATH and nothing for one that does not exist', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(which('coldpath-no-such-tool')).toBeUndefined();
  });

  it('names each Debian package once in the install hint', () => {
    const ip = TOOLS.filter((tool) => tool.debian === 'iproute2');
    expect(ip.length).toBeGreaterThan(1);
    expect(installHint(ip)).toBe('apt-get install -y iproute2');
    expect(installHint(TOOLS)).toMatch(/^apt-get install -y (\S+ )*nftables( \S+)*$/);
  });

  it('says what each tool is for', () => {
    for (const tool of TOOLS) {
      expect(tool.neededFor, tool.command).not.toBe('');
      expect(tool.debian, tool.command).toMatch(/^[a-z0-9.+-]+$/);
    }
  });
});
