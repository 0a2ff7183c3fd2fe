/**
 * The zod schema of a plan (ops.ts), for plans that arrive as data from
 * outside the process: the node agent's `apply` request. It mirrors `Op`
 * field by field (the compile-time checks at the bottom fail the build when
 * the two differ), and checks values a TypeScript type cannot: names the
 * kernel would refuse, and anything that would break out of the command it is
 * rendered into. Objects are strict, so a misspelt field is named, not ignored.
 */
import { z } from 'zod';
import { IFNAME_CHARS, IFNAME_MAX, NODE_NAME_PATTERN } from './naming.js';
import { NODE_ROLES, TUNNEL_TYPES, type Op, type Plan } from './ops.js';

/**
 * One word of an `ip -batch` line: the renderer joins words with spaces and
 * commands with newlines, so whitespace in a value would split it into other
 * words or other commands.
 */
const word = z.string().regex(/^\S+$/, 'expected one word (no whitespace)');

const node = z.string().regex(NODE_NAME_PATTERN, 'expected a node name: lowercase letters, digits and dashes, starting with a letter or digit');
const dev = z.string().max(IFNAME_MAX, `expected an interface name of at most ${IFNAME_MAX} characters`).regex(IFNAME_CHARS, 'expected an interface name: letters, digits, dot, dash, underscore');
const mac = z.string().regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, 'expected a MAC address such as 02:00:00:00:00:01');
const mtu = z.number().int().min(68).max(65_535);
const u32 = z.number().int().nonnegative().max(0xffff_ffff);
const family = z.enum(['ip', 'inet']);
/** An nftables identifier: it is written into the script unquoted. */
const nftName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an nftables name: a letter, then letters, digits or underscores');
/**
 * Only the network stack's keys: `ip netns exec` isolates `net.*` only, so any
 * other key (kernel.*, vm.*) would change the whole host.
 */
const sysctlKey = z.string().regex(/^net\.[A-Za-z0-9_./-]+$/, 'expected a net.* key (only those are per namespace)');

const opSchemas = [
  z.strictObject({ kind: z.literal('node.add'), node, role: z.enum(NODE_ROLES) }),
  z.strictObject({ kind: z.literal('bridge.add'), node, dev, mtu: mtu.exactOptional(), mac: mac.exactOptional() }),
  z.strictObject({ kind: z.literal('veth.add'), node, dev, peerNode: node, peerDev: dev, mtu: mtu.exactOptional() }),
  z.strictObject({ kind: z.literal('macvlan.add'), node, dev, parent: dev, mode: z.literal('bridge'), mac: mac.exactOptional(), mtu: mtu.exactOptional() }),
  z.strictObject({ kind: z.literal('ipvlan.add'), node, dev, parent: dev, mode: z.literal('l2'), mtu: mtu.exactOptional() }),
  z.strictObject({ kind: z.literal('nic.lend'), node, dev, nic: dev }),
  z.strictObject({ kind: z.literal('nic.return'), node, dev, nic: dev }),
  z.strictObject({ kind: z.literal('link.set'), node, dev, up: z.boolean().exactOptional(), master: dev.exactOptional(), mtu: mtu.exactOptional() }),
  z.strictObject({ kind: z.literal('link.del'), node, dev }),
  z.strictObject({ kind: z.literal('addr.add'), node, dev, cidr: word, peer: word.exactOptional() }),
  z.strictObject({ kind: z.literal('addr.del'), node, dev, cidr: word }),
  z.strictObject({
    kind: z.literal('route.add'),
    node,
    dst: word,
    via: word.exactOptional(),
    dev: dev.exactOptional(),
    src: word.exactOptional(),
    onlink: z.boolean().exactOptional(),
    mtu: mtu.exactOptional(),
    advmss: z.number().int().positive().exactOptional(),
    table: u32.exactOptional(),
  }),
  z.strictObject({ kind: z.literal('route.del'), node, dst: word, via: word.exactOptional(), dev: dev.exactOptional(), table: u32.exactOptional() }),
  z.strictObject({ kind: z.literal('rule.add'), node, fwmark: u32, table: u32, priority: u32 }),
  z.strictObject({ kind: z.literal('rule.del'), node, fwmark: u32, table: u32, priority: u32 }),
  // The value travels as one argv word (`sysctl -qw key=value`), never through a batch line: it may hold spaces (port ranges do).
  z.strictObject({ kind: z.literal('sysctl'), node, key: sysctlKey, value: z.string().regex(/^[^\n]*$/, 'expected one line') }),
  // The body runs inside the node's namespace only (`ip netns exec NS nft -f -`), so it is not restricted further.
  z.strictObject({ kind: z.literal('nft.table'), node, family, table: nftName, body: z.string() }),
  z.strictObject({ kind: z.literal('nft.delete'), node, family, table: nftName }),
  z.strictObject({
    kind: z.literal('tunnel.add'),
    node,
    dev,
    type: z.enum(TUNNEL_TYPES),
    local: word,
    remote: word.exactOptional(),
    key: u32.exactOptional(),
    port: z.number().int().min(1).max(65_535).exactOptional(),
    underlay: dev,
    mtu,
    mac: mac.exactOptional(),
  }),
  z.strictObject({ kind: z.literal('fdb.append'), node, dev, dst: word, mac: mac.exactOptional() }),
  z.strictObject({ kind: z.literal('fdb.del'), node, dev, dst: word, mac: mac.exactOptional() }),
  // `lladdr` is a MAC on Ethernet but the remote's underlay IPv4 address on a GRE device (proxy-side neighbour entries).
  z.strictObject({ kind: z.literal('neigh.replace'), node, dev, address: word, lladdr: word }),
  z.strictObject({ kind: z.literal('neigh.del'), node, dev, address: word }),
  z.strictObject({ kind: z.literal('node.del'), node }),
] as const;

/** One plan operation (ops.ts `Op`), by `kind`. */
export const opSchema = z.discriminatedUnion('kind', opSchemas).meta({ id: 'Op', description: 'One plan operation (src/topology/ops.ts), on the node it names.' });

/** A plan (ops.ts `Plan`): a title and its operations, applied in order. */
export const planSchema = z
  .strictObject({
    title: z.string().describe('What the plan does, for logs and errors.'),
    ops: z.array(opSchema).describe('Applied in order.'),
  })
  .meta({ id: 'Plan' });

/** Every kind the schema knows, in its order (tests compare it with ops.ts). */
export const OP_SCHEMA_KINDS = opSchemas.map((schema) => schema.shape.kind.value);

// Compile-time mirror checks: each fails the build when ops.ts and this schema disagree on a kind or a field.
type Parsed = z.infer<typeof opSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** Assignability ignores an optional field one side lacks: compare each kind's field names too. */
type SameFields<K extends Op['kind']> = K extends Op['kind'] ? Same<keyof Extract<Op, { kind: K }>, keyof Extract<Parsed, { kind: K }>> : never;
const opsMatch: Same<Parsed, Op> = true;
const fieldsMatch: [SameFields<Op['kind']>] extends [true] ? true : false = true;
const plansMatch: Same<z.infer<typeof planSchema>, Plan> = true;
void opsMatch;
void fieldsMatch;
void plansMatch;
