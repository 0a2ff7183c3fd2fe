/**
 * Control-plane latency profiles. Cloud API work that cannot happen on one host
 * (creating an ENI, accepting a peering) is *modeled*: drawn from these
 * figures in virtual time, never slept, always reported apart from measured
 * phases. Every figure names where it comes from; where no figure is
 * published, it says so. A user on a real cloud replaces a phase with a
 * measured command (see docs/modeled-phases.md).
 */
import { type Citation, MODELED_PHASES, type ModeledPhaseId, type ModeledPhaseSpec } from './schema.js';

export type { Citation, ModeledPhaseSpec } from './schema.js';

export { MODELED_PHASES, type ModeledPhaseId };

export interface ControlPlaneProfile {
  name: string;
  description: string;
  phases: Record<ModeledPhaseId, ModeledPhaseSpec>;
  apiBucket: { capacity: number; refillPerSecond: number; sources: Citation[] };
}

const LAMBDA_2019: Citation = {
  title: 'AWS Compute Blog: Announcing improved VPC networking for AWS Lambda functions (2019-09-03)',
  url: 'https://aws.amazon.com/blogs/compute/announcing-improved-vpc-networking-for-aws-lambda-functions/',
  says: 'before the change, an ENI was created and attached per execution environment at scale-up, which added seconds to cold starts',
};
const DEVTO_2019: Citation = {
  title: 'Wing-Kam Wong: How did AWS improve VPC networking for Lambda to address cold start problem (dev.to, 2019)',
  url: 'https://dev.to/wingkwong/how-did-aws-improve-vpc-networking-for-lambda-to-address-cold-start-problem-53d5',
  says: '"creating and attaching a new ENI takes several seconds"; ENI limits and API rate limits when scaling; about 10 s before the change',
};
const WANG_2019: Citation = {
  title: 'Crespo Wang: How does improved VPC help reducing Lambda cold start (Medium, 2019-11-14)',
  url: 'https://crespowang.medium.com/how-does-improved-vpc-help-reducing-lambda-cold-start-d930a9af448e',
  says: 'measured cold start 12 011 ms with a per-environment ENI vs 5 581 ms after; X-Ray showed first requests over 10 s',
};
const EC2_THROTTLING: Citation = {
  title: 'Amazon EC2 developer guide: Request throttling for the Amazon EC2 API',
  url: 'https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html',
  says: "EC2 throttles API requests per account and Region with a token bucket per action (documented example: DescribeHosts, 100 tokens refilled at 20 per second); the default here, 200 tokens at 5 per second, is the guide's row for mutating actions such as CreateNetworkInterface as read when this profile was written — check the current table, or set controlPlane.apiBucket",
};
const NO_FIGURE: Citation = {
  title: 'No published latency figure',
  url: '',
  says: 'an estimate of seconds-scale asynchronous API work; replace with a measured command on a real cloud',
};

export const PROFILES: Record<string, ControlPlaneProfile> = {
  'aws-2019': {
    name: 'aws-2019',
    description: 'AWS Lambda with a per-instance ENI, before the 2019 Hyperplane change; EC2 API throttling for mutating actions.',
    phases: {
      'eni.create': { label: 'CreateNetworkInterface until available', medianMs: 3000, p99Ms: 9000, apiCall: true, sources: [LAMBDA_2019, DEVTO_2019] },
      'eni.attach': { label: 'AttachNetworkInterface until attached', medianMs: 2000, p99Ms: 6000, apiCall: true, sources: [DEVTO_2019, WANG_2019] },
      'peering.create': { label: 'CreateVpcPeeringConnection', medianMs: 1000, p99Ms: 3000, apiCall: true, sources: [NO_FIGURE] },
      'peering.accept': { label: 'AcceptVpcPeeringConnection until active', medianMs: 2000, p99Ms: 8000, apiCall: true, sources: [NO_FIGURE] },
      'peering.routes': { label: 'route entries in both VPCs', medianMs: 1500, p99Ms: 5000, apiCall: true, sources: [NO_FIGURE] },
      'proxy.eni': { label: 'proxy eth1: create + attach an ENI (before t0)', medianMs: 5000, p99Ms: 15000, apiCall: true, sources: [LAMBDA_2019, DEVTO_2019] },
    },
    apiBucket: { capacity: 200, refillPerSecond: 5, sources: [EC2_THROTTLING] },
  },
};

export function profileNames(): string[] {
  return Object.keys(PROFILES);
}
