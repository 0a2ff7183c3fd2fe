/** `clean` acts only on containers coldpath names: a damaged or foreign ledger line is left alone. */
import { describe, expect, it } from 'vitest';
import { isColdpathContainer, removeContainers } from '../../../src/kernel/containers.js';

const ours = { root: '/run/coldpath/abcd/crun', id: 'coldpath-abcd-fh0-c3', bundle: '/run/coldpath/abcd/oci/coldpath-abcd-fh0-c3' };

describe('containers a ledger recorded', () => {
  it('are acted on only when coldpath would have named them so', () => {
    expect(isColdpathContainer(ours)).toBe(true);
    expect(isColdpathContainer({ ...ours, bundle: '/' })).toBe(false);
    expect(isColdpathContainer({ ...ours, bundle: '/usr/oci/other' })).toBe(false);
    expect(isColdpathContainer({ ...ours, id: 'web-1', bundle: '/run/coldpath/abcd/oci/web-1' })).toBe(false);
    expect(isColdpathContainer({ ...ours, root: '/run/crun' })).toBe(false);
  });

  it('a foreign one is reported and left alone, without running crun', async () => {
    const report = await removeContainers([{ ...ours, bundle: '/etc' }]);
    expect(report.removed).toBe(0);
    expect(report.errors).toEqual([expect.stringMatching(/would not have made .*bundle \/etc.*left alone/)]);
  });
});
