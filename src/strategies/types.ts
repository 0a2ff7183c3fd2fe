/**
 * A strategy is a way for a function instance to reach the user VPC. It only
 * produces plans (plain data) and keeps its own bookkeeping (IPAM, quotas);
 * the run engine applies the plans and measures. Every path is driven by the
 * same workload, so numbers compare.
 */
import type { BridgeAttachment } from '../topology/cni-config.js';
import type { ModeledPhaseId } from '../model/profiles.js';
import type { FailureReason, ResourceCounts, TunnelChoice } from '../results/types.js';
import type { Scenario, StrategyName } from '../scenario/schema.js';
import type { InstanceLayout } from '../topology/instance-plan.js';
import type { Layout } from '../topology/layout.js';
import type { Plan } from '../topology/ops.js';

/** Stored in run.json, so owned by its schema (src/results/); re-exported for the strategies' users. */
export type { FailureReason, ResourceCounts, TunnelChoice } from '../results/types.js';

/** How many ENIs a function host can hold at once, and the inventory field that says so (`hosts.N.eni.nics`). */
export interface EniSlots {
  quota: number;
  field: string;
}

export interface StrategyContext {
  scenario: Scenario;
  layout: Layout;
  tunnel: TunnelChoice;
  /**
   * Across machines: the ENI quota of a function host node (`fh0`) when its machine lends spare NICs
   * (`eni.attach: nic`); undefined (or absent) = no per-host limit beyond `eni.quotaPerVpc`.
   */
  eniSlotsOf?: (hostNode: string) => EniSlots | undefined;
}

export type Refusal = { ok: false; reason: FailureReason; message: string };

export interface PrewarmPlan {
  ok: true;
  plan: Plan;
  /** Control-plane calls made once, before t0 (modeled). */
  modeled: ModeledPhaseId[];
  /** Nodes that live until teardown: the driver keeps an `ip` session open in them. */
  longLivedNodes: string[];
}

export interface AttachPlan {
  ok: true;
  plan: Plan;
  /** The address the user service should see for this instance. */
  expectedSource: string;
  /**
   * The same interface as data for the CNI bridge plugin: with `instances.network: cni` the
   * engine has the plugin make it in place of `plan` (strategies whose attach is a veth on a bridge).
   */
  bridgeAttachment?: BridgeAttachment;
}

export interface Target {
  address: string;
  httpPort: number;
  echoPort: number;
  /** Node of the service host (to query source addresses). */
  serviceNode: string;
  serviceName: string;
  /** A kind: redis service's redis-server port (same address). */
  redisPort?: number;
  /** A kind: postgres service's PostgreSQL port (same address). */
  postgresPort?: number;
}

export interface Strategy {
  readonly name: StrategyName;
  /** Control-plane calls every instance makes on its cold path (modeled, in order). */
  readonly modeledColdPath: readonly ModeledPhaseId[];
  /** Shared objects built before t0 (peering link, proxy pool), or why the path cannot exist. */
  prewarm(): PrewarmPlan | Refusal;
  /** Per-instance work on the cold path, after the container has its pod network. */
  attach(instance: InstanceLayout): AttachPlan | Refusal;
  /** Returns what `attach` took (IPAM, quota) once the instance is gone. */
  release(instance: InstanceLayout): void;
  /** Removes the shared objects. */
  teardown(): Plan;
  /** Nodes where the path keeps NAT (conntrack) state: counted in bursts, flushed between blocks where they outlive the path. */
  natNodes(): string[];
  /** Named nft counters that must move, out and back, when traffic takes this path (path verification); [] when nothing forwards. */
  pathCounters(): PathCounter[];
  target(): Target;
  /** Resources held with `instances` instances alive. */
  resources(instances: number): ResourceCounts;
}

/** A pair of named nft counters in a node's table, counting the path's packets each way. */
export interface PathCounter {
  node: string;
  /** nft table (family ip) that holds the counters. */
  table: string;
  out: string;
  back: string;
}

export const NO_RESOURCES: ResourceCounts = {
  userVpcInterfaces: 0,
  userSubnetIps: 0,
  routeEntries: 0,
  proxies: 0,
  tunnels: 0,
  peeringConnections: 0,
};
