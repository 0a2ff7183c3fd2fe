/**
 * The run engine: checks everything it can before creating anything, builds
 * the base topology, starts the user services and the reference servers, then
 * measures the paths in blocks — one path in one repetition (block.ts) — in
 * an order that changes from repetition to repetition (schedule.ts), settling
 * between stages; and always tears everything down by replaying the ledger.
 */
import { ColdpathError, isColdpathError } from '../errors.js';
import type { NodeProcess } from '../kernel/kernel-driver.js';
import { pinThreads } from '../exec/pin-threads.js';
import { chooseTunnel, probeKernelFeatures, type KernelFeatures } from '../env/kernel-features.js';
import { fingerprint } from '../env/fingerprint.js';
import { checkPrivileges, PRIVILEGE_HINT } from '../env/privileges.js';
import { installHint, missingTools } from '../env/tools.js';
import { cniPreflight } from './cni-network.js';
import { ociPreflight } from './oci-runtime.js';
import { Ledger } from '../kernel/ledger.js';
import { undo } from '../kernel/teardown.js';
import { ControlPlaneModel } from '../model/control-plane.js';
import { preflightExperiments } from '../experiments/index.js';
import { runExperiments } from './experiments.js';
import { RUN_SCHEMA, RUN_SCHEMA_VERSION, type RunResult } from '../results/types.js';
import type { Scenario } from '../scenario/schema.js';
import { ServiceProcess } from '../services/service-process.js';
import { createStrategy } from '../strategies/index.js';
import { masqConfig } from '../strategies/ip-masq-agent.js';
import type { StrategyContext, TunnelChoice } from '../strategies/types.js';
import { basePlan } from '../topology/base-plan.js';
import { buildLayout } from '../topology/layout.js';
import { newRunTag } from '../topology/naming.js';
import { PodSlots, type EngineContext } from './context.js';
import type { RunEvents } from './events.js';
import { resolvePlacement } from './placement.js';
import { preflightRealServers, startRealServers, type PreparedRealServers, type RealServer } from './real-servers/index.js';
import { warmUpServices } from './service-warmup.js';
import { referenceSetup, startReferenceServers } from './reference.js';
import { buildSchedule } from './schedule.js';
import { measureSchedule } from './measure-schedule.js';
import { settle } from './settle.js';
import { openKernelDriver } from './kernel-backend.js';
import { acrossMachines, type RunInventory } from '../executors/run-inventory.js';

export interface RunOptions {
  scenario: Scenario;
  scenarioSource: string;
  events: RunEvents;
  signal: AbortSignal;
  argv?: string[];
  /** `--hosts`: kernel plans through one local agent (executor local); default in-process. */
  hosts?: RunInventory;
}

/**
 * Checks that cannot wait until something exists. Throws input or environment
 * errors. Returns what the checks found that the run needs: kernel features,
 * the tunnel, and the real servers' kinds ready to start.
 */
export async function preflight(
  scenario: Scenario,
  options: { acrossMachines?: boolean } = {},
): Promise<{ features: KernelFeatures; tunnel: TunnelChoice | null; realServers: PreparedRealServers[] }> {
  const privileges = checkPrivileges();
  if (!privileges.ok) {
    throw new ColdpathError(`not enough privileges: ${privileges.detail}`, { kind: 'environment', hint: PRIVILEGE_HINT });
  }
  const missing = missingTools();
  if (missing.length > 0) {
    throw new ColdpathError(`missing tools: ${missing.map((tool) => `${tool.command} (${tool.neededFor})`).join(', ')}`, {
      kind: 'environment',
      hint: installHint(missing),
    });
  }
  resolvePlacement(scenario);
  new ControlPlaneModel(scenario);
  buildLayout(scenario, 'ffff'); // interface names and addresses fit
  const needsProxy = needsProxyTunnel(scenario);
  if (needsProxy) masqConfig(scenario);
  preflightExperiments(scenario.experiments, { acrossMachines: options.acrossMachines === true });
  const realServers = preflightRealServers(scenario);
  ociPreflight(scenario);
  cniPreflight(scenario);
  const features = await probeKernelFeatures();
  if (!features.veth || !features.bridge) {
    throw new ColdpathError('the kernel cannot create veth or bridge links', { kind: 'environment', hint: 'see `coldpath doctor`' });
  }
  // Across machines the hosts' kernels make the tunnel and the NAT: their agents' answers decide (kernel-backend.ts), not this kernel.
  if (!needsProxy || options.acrossMachines === true) return { features, tunnel: null, realServers };
  if (!features.nftNat) {
    throw new ColdpathError(`gre-proxy needs nftables NAT: ${features.errors['nftNat'] ?? ''}`, { kind: 'environment', hint: 'see `coldpath doctor`' });
  }
  const choice = chooseTunnel(scenario.tunnel, features);
  if ('error' in choice) {
    throw new ColdpathError(choice.error, { kind: 'environment', field: 'tunnel', hint: 'use `tunnel: auto`, or run on a kernel with the module (see `coldpath doctor`)' });
  }
  return { features, tunnel: { requested: scenario.tunnel, ...choice }, realServers };
}

/** Whether a run makes a proxy tunnel: gre-proxy, or an experiment (each builds its own proxy). */
export const needsProxyTunnel = (scenario: Scenario): boolean => scenario.strategies.includes('gre-proxy') || scenario.experiments.length > 0;

export function newRunId(tag: string, at = new Date()): string {
  return `${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${tag}`;
}

function claimLedger(): Ledger {
  for (let attempt = 0; attempt < 50; attempt++) {
    const ledger = Ledger.create(newRunTag());
    if (ledger !== undefined) return ledger;
  }
  throw new ColdpathError('could not claim a run tag', { kind: 'environment', hint: 'too many runs at once, or a full state directory: `coldpath clean`' });
}

export async function runScenario(options: RunOptions): Promise<RunResult> {
  const { scenario, events, signal } = options;
  const started = new Date();
  const { features, tunnel: preflightTunnel, realServers: preparedServers } = await preflight(scenario, { acrossMachines: acrossMachines(options.hosts) });
  const reference = await referenceSetup(scenario);
  const placement = resolvePlacement(scenario);
  const ledger = claimLedger();
  const layout = buildLayout(scenario, ledger.tag);
  const opened = await openKernelDriver(ledger, options.hosts, { scenario, layout, needsTunnel: needsProxyTunnel(scenario) }).catch((error: unknown) => {
    ledger.remove();
    throw error;
  });
  const { driver, notes, eniSlotsOf } = opened;
  // Across machines the hosts' kernels chose the tunnel (kernel-backend.ts); here, preflight did.
  const tunnel = opened.tunnel ?? preflightTunnel;
  for (const message of notes) events.emit({ type: 'note', message });
  const model = new ControlPlaneModel(scenario);
  if (tunnel !== null && tunnel.used !== 'gre') {
    const note = `gre-proxy runs over ${tunnel.used.toUpperCase()}, not GRE: ${tunnel.reason}`;
    notes.push(note);
    events.emit({ type: 'note', message: note });
  }
  if (tunnel?.used === 'ipip') {
    // The seed's question: IPIP carries no key, so a proxy cannot tell tenants apart.
    const warning = `IPIP has no tenant key: a function host can have only one IPIP tunnel to a proxy address, so several tenants cannot share a proxy (a second tunnel with the same endpoints fails with "File exists"; with GRE each tenant has its own key, tenantKey ${scenario.tenantKey})`;
    notes.push(warning);
    events.emit({ type: 'note', message: warning });
  }
  const result: RunResult = {
    schema: RUN_SCHEMA,
    schemaVersion: RUN_SCHEMA_VERSION,
    runId: newRunId(ledger.tag, started),
    tag: ledger.tag,
    outcome: 'completed',
    startedAt: started.toISOString(),
    finishedAt: '',
    durationMs: 0,
    command: options.argv ?? process.argv.slice(1),
    scenarioSource: options.scenarioSource,
    scenario,
    fingerprint: await fingerprint({ features, tunnelUsed: tunnel?.used ?? null, cpuPlacement: placement }),
    tunnel,
    controlPlane: {
      profile: model.profile.name,
      description: model.profile.description,
      phases: model.phases,
      apiBucket: model.bucket,
    },
    schedule: buildSchedule(scenario.strategies, scenario.repetitions, scenario.order, scenario.seed),
    reference,
    limits: { eniAddresses: Math.max(0, layout.eniPool.last - layout.eniPool.first + 1) },
    paths: [],
    experiments: [],
    notes,
  };
  const services: ServiceProcess[] = [];
  const referenceServers: NodeProcess[] = [];
  const servicesByNode = new Map<string, ServiceProcess>();
  const realServers = new Map<string, RealServer>();
  const slotsPerHost = 2 ** (32 - scenario.platform.podPrefix) - 3;
  const ctx: EngineContext = { scenario, layout, driver, model, placement, events, signal, pods: new PodSlots(layout.hosts.length, slotsPerHost) };
  try {
    events.emit({ type: 'stage', message: `building the base topology (run tag ${ledger.tag})` });
    driver.openRootSessions(Math.max(1, Math.min(scenario.burst.parallelism, 8)));
    await driver.apply(basePlan(layout));
    for (const node of [layout.platform.node, layout.user.node, ...layout.hosts.map((h) => h.node)]) driver.openSession(node);

    events.emit({ type: 'stage', message: 'starting user services' });
    for (const s of [...layout.platformServices, ...layout.userServices]) {
      // An injected delay applies to the user VPC's service only: the baseline stays the floor.
      const user = layout.userServices.includes(s);
      const delayMicros = user ? s.responseDelayUs : 0;
      const connectionDelayMicros = user ? s.connectionDelayUs : 0;
      const service = await ServiceProcess.start({
        driver,
        node: s.node,
        args: { name: s.name, bind: '0.0.0.0', httpPort: s.httpPort, echoPort: s.echoPort, responseBytes: s.responseBytes, delayMicros, connectionDelayMicros },
        cpus: placement.services,
      });
      services.push(service);
      servicesByNode.set(s.node, service);
      if (service.pid !== undefined) await pinThreads(service.pid, placement.services, placement.helpers ?? []);
    }
    await startRealServers(ctx, preparedServers, [...layout.platformServices, ...layout.userServices], realServers);
    if (reference.tool === 'sockperf') {
      events.emit({ type: 'stage', message: `starting the reference: sockperf ${reference.version} servers beside the services` });
      referenceServers.push(...(await startReferenceServers(ctx, [...layout.platformServices, ...layout.userServices])));
    } else {
      notes.push(`no reference measurement: ${reference.reason}`);
      events.emit({ type: 'note', message: `no reference measurement: ${reference.reason}` });
    }

    events.emit({ type: 'stage', message: 'warming the services up' });
    await warmUpServices(ctx, [...layout.platformServices, ...layout.userServices]);
    const initial = await settle(ctx, { after: 'services started' });
    if (!initial.completed) notes.push(`the machine did not settle before the first measurement: ${initial.pending ?? ''}`);

    // Paths other than gre-proxy never read the tunnel; they still get a complete context.
    const strategyContext: StrategyContext = {
      scenario,
      layout,
      tunnel: tunnel ?? { requested: scenario.tunnel, used: 'vxlan', reason: 'no gre-proxy in this run' },
      ...(eniSlotsOf === undefined ? {} : { eniSlotsOf }),
    };
    const strategies = scenario.strategies.map((name) => createStrategy(name, strategyContext));
    const measured = await measureSchedule(ctx, strategies, result.schedule ?? [], {
      services: servicesByNode,
      realServers,
      reference: reference.tool === 'sockperf',
    });
    result.paths.push(...measured.paths);
    if (measured.unsettled.length > 0) {
      notes.push(`settling between stages hit settle.timeoutMs (${scenario.settle.timeoutMs} ms) on ${measured.unsettled.join(', ')}: see each repetition's settles in run.json`);
    }
    if (scenario.experiments.length > 0 && !signal.aborted) {
      events.emit({ type: 'stage', message: `experiments: ${scenario.experiments.map((e) => e.name ?? e.kind).join(', ')}` });
      result.experiments = await runExperiments(ctx, servicesByNode, strategyContext);
    }
    if (signal.aborted) result.outcome = 'aborted';
  } catch (error) {
    // A bug is thrown on (after teardown); an expected failure is recorded and written out.
    if (!isColdpathError(error) && !signal.aborted) throw error;
    result.outcome = signal.aborted ? 'aborted' : 'errored';
    result.error = isColdpathError(error)
      ? { message: error.message, kind: error.kind, ...(error.hint === undefined ? {} : { hint: error.hint }) }
      : { message: error instanceof Error ? error.message : String(error) };
  } finally {
    events.emit({ type: 'teardown' });
    await Promise.allSettled([...services, ...referenceServers, ...realServers.values()].map((server) => server.stop()));
    await driver.closeAll();
    // The agents' clocks once more, while they are still connected: start and end bound the drift.
    const agents = (await driver.agentClocks?.()) ?? [];
    if (agents.length > 0) result.agents = agents;
    for (const agent of agents)
      if (agent.end === undefined) notes.push(`the clock of agent ${agent.host} (pid ${agent.pid}) could not be estimated again before teardown: only its start estimate is recorded`);
    const report = await undo(ledger.read());
    // After the engine's own processes, as the ledger's replay orders it; before its ledger goes (an agent's is inside).
    const errors = [...report.errors, ...(await driver.teardown())];
    if (errors.length === 0) ledger.remove();
    else notes.push(`teardown left errors (run \`coldpath clean\`): ${errors.join('; ')}`);
    const finished = new Date();
    result.finishedAt = finished.toISOString();
    result.durationMs = finished.getTime() - started.getTime();
  }
  return result;
}
