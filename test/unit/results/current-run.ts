/**
 * A run as the current engine writes it (schema version 3): the run-small
 * fixture (migrated) with eni failures, given every field that version 1
 * lacked — schedule and slots, settles, steady-state warm-up records, the
 * sockperf reference (completed and errored), limits, helper CPUs, the
 * resolved scenario of today, each burst's kernel-counted holdings — one
 * result of each experiment kind and one that never ran.
 */
import { createHistogram, encodeHistogram, recordMicros } from '../../../src/metrics/histogram.js';
import type { ErrorTally, ExperimentResult, RunResult, Timeline } from '../../../src/results/types.js';
import { scenarioSchema } from '../../../src/scenario/schema.js';
import { runWithEniFailures } from '../reports/helpers.js';

function histogram(values: number[]): string {
  const h = createHistogram('latency');
  for (const value of values) recordMicros(h, value);
  return encodeHistogram(h);
}

const timeline: Timeline = { startUs: -100_000, bucketUs: 50_000, ok: [10, 10, 0, 3], failed: [0, 0, 1, 0] };
const tally: ErrorTally = { requests: 24, ok: 23, failed: 1, errors: { timeout: 1 } };

const experiments: ExperimentResult[] = [
  {
    kind: 'failover',
    name: 'crash',
    outcome: 'completed',
    durationMs: 5000,
    notes: ['a note'],
    config: {
      mode: 'freeze',
      advertIntervalMs: 100,
      priorities: { active: 200, standby: 100 },
      vips: { platform: '198.18.0.63', user: '198.19.0.12' },
      tunnel: 'vxlan',
      keepalived: 'keepalived',
      standbyDown: false,
    },
    measured: {
      faultAtUs: 1,
      verdict: 'moved',
      bound: { advertIntervalUs: 100_000, skewUs: 60_937, masterDownUs: 360_937 },
      vipOnStandbyUs: { platform: 343_000, user: 344_000 },
      vipOffActiveUs: { platform: null, user: 2_000_000 },
      duplicateVipUs: 1_500_000,
      resumedUs: 452_000,
      gapUs: 378_000,
      gapWindowUs: [74_000, 452_000],
      tally,
      streams: [
        {
          metric: 'keepalive',
          rate: 200,
          concurrency: 4,
          instance: 'fh0-c2',
          ...tally,
          histogram: histogram([80, 90, 2000]),
          raw: histogram([80]),
          gapUs: null,
          connections: { atFault: 4, survived: 4, lost: 0, openedAfter: 0 },
        },
      ],
      histogram: histogram([80, 90, 2000]),
      raw: histogram([80, 90]),
      timeline,
      transitions: [{ node: 'px1', role: 'standby', instance: 'plat', state: 'MASTER', atUs: 341_000 }],
      sources: { '198.19.0.12': 219 },
      unsolicitedDropped: 1,
      thawAtUs: 2_000_000,
      thawGapUs: null,
    },
  },
  {
    kind: 'mtu',
    name: 'mtu',
    outcome: 'completed',
    durationMs: 1,
    notes: [],
    measured: {
      tunnel: 'vxlan',
      underlayMtu: 1500,
      tunnelMtu: 1450,
      clampedMss: 1410,
      theoreticalMtu: { gre: 1476, ipip: 1480, vxlan: 1450 },
      cases: [
        { direction: 'download', clamp: false, pmtud: 'blocked', bytes: 4000, ...tally, firstUs: null, histogram: histogram([]), verdict: 'blackhole', icmp: { sentByProxy: 3, droppedAtService: 3 } },
      ],
      encapsulations: [
        { encapsulation: 'vxlan', available: true, histogram: histogram([70]), mtu: 1450 },
        { encapsulation: 'ipip', available: false, reason: 'no ipip module' },
      ],
      tenantCollision: {
        tunnel: 'vxlan',
        sameKey: { command: 'ip link add …', error: 'RTNETLINK answers: File exists' },
        distinctKey: { command: 'ip link add …', ok: true, error: null },
        explanation: 'same endpoints and key collide',
        qemuScenario: 'examples/qemu-ipip.yaml',
      },
    },
  },
  {
    kind: 'nat',
    name: 'nat',
    outcome: 'failed',
    message: 'broke',
    hint: 'fix it',
    durationMs: 1,
    notes: [],
    measured: {
      ports: { first: 32768, last: 32867, count: 100 },
      timeWaitSeconds: 60,
      conntrackLimit: null,
      timeWaitRate: 1.6,
      steps: [
        {
          rate: 50,
          held: { requested: 10, opened: 10, errors: {}, lost: 0 },
          ...tally,
          histogram: histogram([300]),
          conntrackPeak: 40,
          synIn: 50,
          synOut: 50,
          conntrackRefused: 0,
          insertFailed: 0,
          clashResolved: 1,
        },
      ],
      failingAt: { rate: 50, held: 10 },
      exhausted: 'ports',
      remedy: { proxiesNeeded: 2, addressesNeeded: 2, advice: 'spread SNAT' },
      spread: { addresses: ['198.19.0.12', '198.19.0.13'], rate: 50, held: { requested: 10, opened: 10, errors: {}, lost: 0 }, tally, histogram: histogram([200]), synIn: 50, synOut: 50 },
      timeline,
    },
  },
  {
    kind: 'scaling',
    name: 'pool',
    outcome: 'aborted',
    durationMs: 1,
    notes: [],
    measured: {
      events: [
        { atUs: 3_400_000, action: 'scale-out', proxy: 'px1', metric: 127, desired: 2, serving: 1, waitedUs: 0, provisionUs: 53_000, reactionUs: 75_000 },
        { atUs: 9_000_000, action: 'drain', proxy: 'px1', metric: 10, desired: 1, serving: 2, drained: true, flowsCut: 0 },
      ],
      proxiesOverTime: [
        [0, 1, 0],
        [3_500_000, 2, 0],
      ],
      metricOverTime: [
        [0, 40],
        [3_500_000, 250],
      ],
      reactionUs: [75_000],
      modeledEniUs: 5_000_000,
      tally,
      histogram: histogram([1000, 2000]),
      timeline,
      atMax: { firstAtUs: 4_000_000, desired: 3 },
      peakProxies: 2,
      stageStartsUs: [0, 3_000_000],
    },
  },
  // What the engine records for an experiment the run never got to (engine/experiments.ts notRun).
  { kind: 'failover', name: 'second', outcome: 'aborted', message: 'run interrupted before this experiment', durationMs: 0, notes: [] },
];

export function currentRun(): RunResult {
  const run = runWithEniFailures();
  const strategies = run.paths.map((path) => path.strategy);
  run.scenario = scenarioSchema.parse({
    strategies,
    repetitions: 2,
    burst: { sizes: [1, 4] },
    experiments: experiments.map((experiment) => ({ kind: experiment.kind })),
  });
  run.schedule = [
    { repetition: 0, order: strategies },
    { repetition: 1, order: [...strategies.slice(1), ...strategies.slice(0, 1)] },
  ];
  run.reference = { tool: 'sockperf', version: '3.10', port: 11111, seconds: 1, messageBytes: 14 };
  run.limits = { eniAddresses: 246 };
  run.fingerprint.cpuPlacement.helpers = [0];
  run.paths.forEach((path, pathIndex) => {
    for (const rep of path.repetitions) {
      rep.slot = (pathIndex + rep.index) % strategies.length;
      rep.prewarmUs = 1200;
      rep.wallMs = 2500;
      rep.settles = [
        { after: 'burst K=1', waitedMs: 120, completed: true, lingeringLinks: 0, conntrackFlushed: 2, busyPercent: 4.5 },
        { after: 'path teardown', waitedMs: 2000, completed: false, lingeringLinks: 3, conntrackFlushed: 0, busyPercent: 31, pending: '3 links of deleted namespaces' },
      ];
      for (const warm of rep.warm) {
        warm.requested.steady = { window: 250, windows: 4, tolerance: 0.05, timeLimitMs: 3000 };
        warm.warmup = [{ mode: 'steady', requests: 1250, durationUs: 410_000, converged: rep.index === 0, windowP50s: [61, 60, 60, 59] }];
      }
      for (const burst of rep.bursts) {
        burst.kernelHeld = {
          namespaces: burst.size,
          links: 2 * burst.size,
          addresses: burst.size,
          routes: burst.size,
          neighbours: 1,
          nftRules: 0,
          nftSets: 0,
          userVpcPorts: path.strategy === 'eni' ? burst.size : 0,
          userVpcAddresses: path.strategy === 'eni' ? burst.size : 0,
        };
      }
      // Schema 4: a real server's view beside the built-in server's (services[0].kind redis).
      if (pathIndex === 0) {
        rep.verification = {
          expectedSources: ['100.64.0.2'],
          observedSources: { '100.64.0.2': 3 },
          server: { server: 'redis', opened: 1, observedSources: { '100.64.0.2': 1 }, ok: true, detail: 'redis CLIENT LIST saw only the expected 1 source address(es)' },
          ok: true,
          detail: 'svc saw only the expected 1 source address(es); redis CLIENT LIST saw only the expected 1 source address(es)',
        };
      }
      // Schema 6: nginx's view (services[0].kind nginx) reads the same way.
      if (pathIndex === 1) {
        rep.verification = {
          expectedSources: ['198.19.0.12'],
          observedSources: { '198.19.0.12': 3 },
          server: { server: 'nginx', opened: 1, observedSources: { '198.19.0.12': 1 }, ok: true, detail: 'nginx access log saw only the expected 1 source address(es)' },
          ok: true,
          detail: 'svc saw only the expected 1 source address(es); nginx access log saw only the expected 1 source address(es)',
        };
      }
      rep.reference =
        path.strategy === 'eni'
          ? { tool: 'sockperf', outcome: 'errored', message: 'sockperf exited with 1', durationUs: 2_000_000 }
          : { tool: 'sockperf', outcome: 'completed', metric: 'echo', histogram: histogram([40, 41, 45]), durationUs: 1_000_000 };
    }
  });
  run.experiments = structuredClone(experiments);
  return run;
}
