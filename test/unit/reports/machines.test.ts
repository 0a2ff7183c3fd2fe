/** A run across machines names every machine it measured in its reports, not only the coordinator's. */
import { describe, expect, it } from 'vitest';
import { machinesLine } from '../../../src/reports/headline.js';
import { htmlReport } from '../../../src/reports/html.js';
import { markdownReport } from '../../../src/reports/markdown.js';
import type { AgentClock, RunResult } from '../../../src/results/types.js';
import { loadRun } from './helpers.js';

const estimate = { kind: 'offset', offsetUs: 0, uncertaintyUs: 40, delayUs: 80, atUs: 0, samples: 8 } as const;
const machine = {
  os: 'Debian GNU/Linux 12 (bookworm)',
  cpuModel: 'QEMU Virtual CPU version 2.5+',
  cpuCount: 1,
  node: 'v20.20.0',
  iproute2: 'ip utility, iproute2-6.1.0',
  nft: 'nftables v1.0.6',
  sockperf: '3.10-no.git',
};

function across(): RunResult {
  const run = loadRun('run-small');
  const agent = (host: string, hostname: string, kernel: string): AgentClock => ({ host, pid: 9, protocol: 1, hostname, kernel, coldpath: '0.9.0', start: estimate });
  return {
    ...run,
    agents: [
      // The coordinator's own machine (executor local): the environment line says it already.
      agent('local', run.fingerprint.hostname, run.fingerprint.kernel),
      { ...agent('fn-1', 'cp-fn-1', '6.1.0-56-amd64'), machine },
      // An older agent, which cannot describe its machine: host name and kernel only.
      agent('svc-1', 'cp-svc-1', '6.1.0-56-amd64'),
    ],
  };
}

describe('the machines of a run across machines', () => {
  it('one clause per other machine: host name, kernel, and CPUs and sockperf when the agent said', () => {
    expect(machinesLine(across())).toBe('machines: fn-1 (cp-fn-1, kernel 6.1.0-56-amd64, QEMU Virtual CPU version 2.5+ × 1, sockperf 3.10-no.git) · svc-1 (cp-svc-1, kernel 6.1.0-56-amd64)');
    expect(markdownReport(across())).toContain(machinesLine(across()));
  });

  it('a run on one machine has no such line', () => {
    const local = loadRun('run-small');
    expect(machinesLine(local)).toBeUndefined();
    expect(markdownReport(local)).not.toContain('machines:');
  });

  it("report.html's environment has a row per other machine with everything its agent described", async () => {
    const html = await htmlReport(across());
    expect(html).toContain(
      '<tr><th>machine fn-1</th><td>cp-fn-1; kernel 6.1.0-56-amd64; coldpath 0.9.0; Debian GNU/Linux 12 (bookworm); QEMU Virtual CPU version 2.5+ × 1; node v20.20.0; ip utility, iproute2-6.1.0; nftables v1.0.6; sockperf 3.10-no.git</td></tr>',
    );
    expect(html).toContain('<tr><th>machine svc-1</th><td>cp-svc-1; kernel 6.1.0-56-amd64; coldpath 0.9.0</td></tr>');
    expect(html).not.toContain('<th>machine local</th>');
  });
});
