/**
 * The inventory: the machines a multi-host run uses (issue 12) — which
 * machine plays which role, how coldpath reaches it, and which NIC faces
 * which VPC. Like the scenario, it is data validated in one place; every
 * message names the field.
 */
import { z } from 'zod';

/** A DNS-1123 label: host names become Kubernetes object names (`coldpath-agent-<name>`, ≤ 63 characters). */
const LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const label = (max: number) => z.string().max(max).regex(LABEL, 'expected lowercase letters, digits and "-", starting and ending with a letter or digit (a DNS-1123 label)');

/** A Linux interface name: 1–15 bytes (IFNAMSIZ − 1), no "/", ":" or whitespace. */
const interfaceName = z
  .string()
  .min(1)
  .max(15, 'an interface name has at most 15 characters (IFNAMSIZ − 1)')
  .regex(/^[^/:\s]+$/, 'an interface name has no "/", ":" or whitespace');

export const HOST_ROLES = ['function-host', 'proxy', 'service-host'] as const;
export type HostRole = (typeof HOST_ROLES)[number];

/** Which NICs each role needs: the platform VPC, the user VPC, or both (the seed's proxy: eth0 and eth1). */
export const NICS_OF_ROLE: Record<HostRole, ReadonlyArray<'platform' | 'user'>> = {
  'function-host': ['platform'],
  proxy: ['platform', 'user'],
  'service-host': ['user'],
};

/**
 * How the ssh executor reaches one host (docs/ssh.md). Every field is optional: what is unset is
 * left to the user's own OpenSSH configuration (~/.ssh/config, ssh-agent, ~/.ssh/known_hosts).
 * Values become single argv elements (never a local shell), but `command` is run by the remote
 * user's shell, as ssh always does.
 */
const ssh = z
  .object({
    user: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'expected a login name (letters, digits, "_", "." and "-", not starting with "-")')
      .optional()
      .describe("Login name on the host (`ssh -l USER`); default: ssh's own (~/.ssh/config, else the local user)."),
    port: z.number().int().min(1).max(65535).optional().describe("TCP port of sshd (`ssh -p PORT`); default: ssh's own (22 unless ~/.ssh/config says otherwise)."),
    identityFile: z.string().min(1).optional().describe("Private key file (`ssh -i FILE`); default: ssh's own keys and ssh-agent."),
    knownHostsFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        "known_hosts file that alone decides whether the host key is trusted (`-o UserKnownHostsFile=FILE -o StrictHostKeyChecking=yes`); default: the user's known_hosts and StrictHostKeyChecking setting.",
      ),
    command: z
      .string()
      .min(1)
      .regex(/\S/, 'expected a command, not only whitespace')
      .optional()
      .describe('The remote command that starts the agent, run by the remote shell; default `coldpath agent` (coldpath on the remote PATH).'),
  })
  .strict();

/** How an instance's ENI reaches the user VPC on a function host (docs/hosts.md, "How an instance gets its ENI"). */
export const ENI_ATTACH_MODES = ['macvlan', 'ipvlan', 'nic'] as const;
export type EniAttachMode = (typeof ENI_ATTACH_MODES)[number];

const eni = z
  .object({
    attach: z
      .enum(ENI_ATTACH_MODES)
      .default('macvlan')
      .describe(
        "macvlan: a macvlan child (mode bridge) of the user-VPC NIC, one MAC per ENI; ipvlan: an ipvlan child (mode l2) of that NIC, sharing its MAC (what a cloud VPC delivers to); nic: one of `nics`, a spare NIC attached to the machine ahead of time, moved into the instance's namespace and back.",
      ),
    nics: z
      .array(interfaceName)
      .min(1)
      .optional()
      .describe(
        "attach: nic only: the machine's spare NICs lent to instances as their ENIs, one each, in this order; their number is the ENI quota on this machine. Each must be unconfigured (no address): it leaves the machine's namespace while lent and comes back down, under its name.",
      ),
  })
  .strict();

const host = z
  .object({
    name: label(40).describe('The machine, as coldpath names it (also in Kubernetes object names: coldpath-agent-<name>).'),
    role: z.enum(HOST_ROLES).describe('function-host: runs function instances; proxy: the egress proxy (platform and user VPC); service-host: the user-VPC service.'),
    address: z
      .string()
      .min(1)
      // ssh would read a leading "-" as an option and whitespace would split the destination.
      .regex(/^[^-\s][^\s]*$/, 'expected a host name or address (no whitespace, not starting with "-")')
      .optional()
      .describe('Where the coordinator reaches the machine (ssh executor): a host name or address, as in `ssh HOST`.'),
    ssh: ssh.optional().describe('How the ssh executor connects (port, user, key, known_hosts, remote command); docs/ssh.md.'),
    node: z.string().min(1).max(253).optional().describe('The Kubernetes node the agent runs on (kubernetes executor): its metadata.name.'),
    nics: z
      .object({
        platform: interfaceName.optional().describe('The NIC facing the platform VPC (e.g. eth0).'),
        user: interfaceName.optional().describe("The NIC facing the user's VPC (e.g. eth1 on the proxy)."),
      })
      .strict()
      .describe('Which NIC faces which VPC; coldpath changes nothing else on the machine.'),
    eni: eni.optional().describe("function-host only: how an instance's ENI is attached there (the eni strategy across machines); default a macvlan child of nics.user."),
  })
  .strict();

const kubernetes = z
  .object({
    namespace: label(63).default('coldpath').describe('Namespace of the agents (created by the manifests).'),
    image: z.string().min(1).describe('Image with coldpath installed (`npm ci`) and its Debian packages (scripts/install-deps); docs/kubernetes.md builds one.'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent').describe('Never for an image loaded into kind.'),
    kubeconfig: z
      .string()
      .min(1)
      .optional()
      .describe("The kubeconfig file the coordinator reaches the API with; default kubectl's own ($KUBECONFIG, else ~/.kube/config, else the in-cluster service account)."),
    context: z.string().min(1).optional().describe("The kubeconfig context to use; default the kubeconfig's current-context."),
  })
  .strict();

export const inventorySchema = z
  .object({
    executor: z.enum(['local', 'ssh', 'kubernetes']).describe('How coldpath reaches the agents: in this machine, over OpenSSH, or through the Kubernetes API.'),
    kubernetes: kubernetes.optional().describe('Required with executor: kubernetes.'),
    hosts: z.array(host).min(1).describe('The machines, one per role at least: a function host and a service host; a proxy for gre-proxy.'),
    clockBoundUs: z
      .number()
      .int()
      .min(1)
      .default(1000)
      .describe(
        "Largest clock uncertainty (µs) a run across machines accepts for a host: a span that starts on the coordinator and ends on the host (an instance's timeline) is placed through the host's clock estimate, which is only known to ± this. A host whose estimate stays wider fails the run before anything is measured. Default 1000 (1 ms against cold starts of 10–100 ms).",
      ),
    agentTimeoutMs: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "How long (ms) the coordinator waits for an agent's answer to a request that is not kernel work: `hello` (which covers connecting and the agent's start-up), clock exchanges, starting and stopping processes. Default 10000; raise it for slow machines (emulated ones start Node.js in tens of seconds).",
      ),
  })
  .strict()
  .superRefine((inventory, ctx) => {
    const seen = new Set<string>();
    inventory.hosts.forEach((h, i) => {
      if (seen.has(h.name)) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'name'], message: `host name ${JSON.stringify(h.name)} is used twice` });
      seen.add(h.name);
      for (const nic of NICS_OF_ROLE[h.role]) {
        if (h.nics[nic] === undefined) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'nics', nic], message: `a ${h.role} needs its ${nic}-VPC NIC` });
      }
      checkEni(h, i, ctx);
      if (inventory.executor === 'ssh' && h.address === undefined) ctx.addIssue({ code: 'custom', path: ['hosts', i, 'address'], message: 'the ssh executor needs the address to reach each host' });
      if (inventory.executor === 'kubernetes' && h.node === undefined)
        ctx.addIssue({ code: 'custom', path: ['hosts', i, 'node'], message: 'the kubernetes executor pins each agent to a node: set its node name' });
    });
    for (const role of ['function-host', 'service-host'] as const) {
      if (!inventory.hosts.some((h) => h.role === role)) ctx.addIssue({ code: 'custom', path: ['hosts'], message: `no host has role ${role}` });
    }
    if (inventory.executor === 'kubernetes' && inventory.kubernetes === undefined) {
      ctx.addIssue({ code: 'custom', path: ['kubernetes'], message: 'executor: kubernetes needs a kubernetes section (at least its image)' });
    }
  });

/** `hosts.N.eni`: only on a function host; `nics` exactly with `attach: nic`, each NIC once and none of the VPC NICs. */
function checkEni(h: z.output<typeof host>, i: number, ctx: z.RefinementCtx): void {
  if (h.eni === undefined) return;
  const at = (...path: Array<string | number>): Array<string | number> => ['hosts', i, 'eni', ...path];
  if (h.role !== 'function-host') ctx.addIssue({ code: 'custom', path: at(), message: `only a function host attaches ENIs; ${h.name} is a ${h.role}` });
  const { attach, nics } = h.eni;
  if (attach === 'nic' && nics === undefined) {
    ctx.addIssue({ code: 'custom', path: at('nics'), message: 'attach: nic lends spare NICs to instances: list them (their number is the ENI quota on this machine)' });
  }
  if (attach !== 'nic' && nics !== undefined) ctx.addIssue({ code: 'custom', path: at('nics'), message: `nics is for attach: nic; attach: ${attach} makes a child of nics.user` });
  const seen = new Set<string>();
  (nics ?? []).forEach((nic, k) => {
    if (seen.has(nic)) ctx.addIssue({ code: 'custom', path: at('nics', k), message: `NIC ${nic} is listed twice` });
    seen.add(nic);
    for (const vpc of ['platform', 'user'] as const) {
      if (h.nics[vpc] === nic) ctx.addIssue({ code: 'custom', path: at('nics', k), message: `NIC ${nic} is the machine's ${vpc}-VPC NIC (nics.${vpc}); an ENI NIC must be a spare one` });
    }
  });
}

export type Inventory = z.output<typeof inventorySchema>;
export type InventoryHost = Inventory['hosts'][number];
