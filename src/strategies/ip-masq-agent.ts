/**
 * Pod SNAT the way Kubernetes' ip-masq-agent does it: traffic from pods to any
 * destination outside `nonMasqueradeCIDRs` leaves with the node's address (here:
 * the host's tunnel address, because the route to the user VPC points into the
 * tunnel). Accepts the agent's own configuration, or the ConfigMap holding it.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ColdpathError } from '../errors.js';
import type { Scenario } from '../scenario/schema.js';
import { parseCidr } from '../cidr.js';

export interface MasqConfig {
  nonMasqueradeCIDRs: string[];
  masqLinkLocal: boolean;
  /** Where the configuration came from, for results. */
  source: string;
}

const agentConfig = z
  .object({
    nonMasqueradeCIDRs: z.array(z.string()).default([]),
    masqLinkLocal: z.boolean().default(false),
    masqLinkLocalIPv6: z.boolean().optional(),
    resyncInterval: z.string().optional(),
  })
  .strict();

export function masqConfig(scenario: Scenario): MasqConfig {
  const settings = scenario.proxy.ipMasqAgent;
  if (settings.configMapFile !== undefined) return readConfigMap(settings.configMapFile);
  return {
    nonMasqueradeCIDRs: settings.nonMasqueradeCIDRs ?? [scenario.platform.podCidr, scenario.platform.cidr],
    masqLinkLocal: settings.masqLinkLocal,
    source: settings.nonMasqueradeCIDRs === undefined ? 'default: pod and platform CIDRs' : 'scenario',
  };
}

/** Reads `config` from a ConfigMap manifest, or the agent configuration itself. */
export function readConfigMap(path: string): MasqConfig {
  const field = 'proxy.ipMasqAgent.configMapFile';
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (cause) {
    throw new ColdpathError(`${field}: cannot read ${path} as YAML`, { kind: 'input', field, cause, hint: 'give an ip-masq-agent ConfigMap or its config data' });
  }
  const data = (document as { kind?: unknown; data?: { config?: unknown } } | null) ?? {};
  let config: unknown = document;
  if (data.kind === 'ConfigMap') {
    if (typeof data.data?.config !== 'string') {
      throw new ColdpathError(`${field}: ConfigMap in ${path} has no data.config`, { kind: 'input', field, hint: 'ip-masq-agent reads the key `config`' });
    }
    config = parseYaml(data.data.config);
  }
  const parsed = agentConfig.safeParse(config ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ColdpathError(`${field}: ${path}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`, { kind: 'input', field });
  }
  for (const [index, cidr] of parsed.data.nonMasqueradeCIDRs.entries()) parseCidr(cidr, `${field} (${path}) nonMasqueradeCIDRs.${index}`);
  return { nonMasqueradeCIDRs: parsed.data.nonMasqueradeCIDRs, masqLinkLocal: parsed.data.masqLinkLocal, source: path };
}

/** The nftables chain body: return for non-masquerade destinations, masquerade the rest. */
export function masqChain(config: MasqConfig): string {
  const lines: string[] = [];
  if (config.nonMasqueradeCIDRs.length > 0) lines.push(`ip daddr { ${config.nonMasqueradeCIDRs.join(', ')} } return`);
  if (!config.masqLinkLocal) lines.push('ip daddr 169.254.0.0/16 return');
  lines.push('counter masquerade');
  return lines.join('\n');
}
