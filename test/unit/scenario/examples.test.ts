import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { loadScenario } from '../../../src/scenario/load.js';
import { masqConfig } from '../../../src/strategies/ip-masq-agent.js';

const dir = join(PACKAGE_ROOT, 'examples');
const scenarios = readdirSync(dir).filter((name) => name.endsWith('.yaml') && !name.includes('configmap'));

describe('examples/', () => {
  for (const name of scenarios) {
    it(`${name} is a valid scenario`, () => {
      const { scenario } = loadScenario(join(dir, name));
      expect(scenario.name).toBe(name.replace(/\.yaml$/, ''));
    });
  }

  it('enterprise-vpc reads its ip-masq-agent ConfigMap', () => {
    const cwd = process.cwd();
    process.chdir(PACKAGE_ROOT);
    try {
      expect(masqConfig(loadScenario(join(dir, 'enterprise-vpc.yaml')).scenario).nonMasqueradeCIDRs).toEqual(['100.64.0.0/16', '198.18.0.0/20']);
    } finally {
      process.chdir(cwd);
    }
  });
});
