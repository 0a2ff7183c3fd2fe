/**
 * Emulated machines for the multi-host tests and bench/hosts.ts (issue 12): each "machine" is a
 * set of namespaces on this kernel that looks, to coldpath, like a separate
 * host reached over SSH.
 *
 * A machine is one holder process (`unshare --net --mount --uts --time
 * --monotonic=S --boottime=S --fork --kill-child`, then `sleep infinity`) and
 * everything started in its namespaces:
 *   - network: its own, with `mgmt0` on the management wire (sshd listens
 *     there) and its VPC NICs (`eth0`, `eth1`) on the platform and user wires;
 *     every wire is a bridge in one fabric namespace, the other veth end;
 *   - mount: private (unshare's default propagation), with a tmpfs of its own
 *     on /run/netns and /run/coldpath, so the namespaces and ledgers its agent
 *     makes are invisible to the other machines and to the host, and
 *     `coldpath clean` inside it sees only its own;
 *   - time: CLOCK_MONOTONIC (and CLOCK_BOOTTIME) offset by a known number of
 *     seconds, which the agent's clock estimate must recover;
 *   - UTS: the machine's hostname (the agent's `hello` reports it);
 *   - Debian's sshd, foreground, own config, throwaway host key, root's
 *     throwaway key, started inside all of the above (`nsenter -t HOLDER -n
 *     -m -u -T -r --wd=/`), so every session and the `coldpath agent` it runs live in
 *     the machine. `-r` keeps the holder's root: entering a mount namespace
 *     resets the root to the namespace's, which is not the test's own when
 *     it runs in a chroot (a fresh CI machine does).
 * The coordinator's ssh runs in a namespace of its own on the management
 * wire (the `wrapper`); nothing is created in the root network namespace.
 * There is no PID namespace: pids (hello.pid) are the host's, so a test can
 * signal a machine's agent directly.
 *
 * Needs root, iproute2, util-linux (unshare with --time, nsenter), Debian's
 * openssh-server and openssh-client and a kernel with time namespaces (5.6+,
 * CONFIG_TIME_NS); a missing one is an Error naming the package, never a skip.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { PACKAGE_ROOT } from '../src/paths.js';
import type { HostRole, Inventory, InventoryHost } from '../src/scenario/inventory.js';
import { sshdConfig } from './sshd-config.js';

export type NicKind = 'platform' | 'user';

export interface MachineSpec {
  /** Inventory host name and the machine's hostname (a DNS label, ≤ 40 characters). */
  name: string;
  role: HostRole;
  /** CLOCK_MONOTONIC (and CLOCK_BOOTTIME) offset of the machine, whole seconds (negative only down to −uptime). Default 0. */
  monotonicOffsetS?: number;
  /** The optional second VPC NIC, `eth1`: a function host's user NIC or a service host's platform NIC. Default none. */
  extraNic?: boolean;
  /** Addresses (CIDR) to put on the VPC NICs; default none (what a run's plan adds is the plan's). */
  addresses?: Partial<Record<NicKind, string>>;
  /**
   * Spare NICs on the user wire, `eth2`, `eth3`, …, left down and without an address: secondary NICs attached to
   * the machine ahead of time, for `eni.attach: nic`. Default 0.
   */
  spareNics?: number;
}

export interface MachinesSpec {
  machines: readonly MachineSpec[];
  /** Prefix of the fabric and coordinator namespaces; default `cpm-<6 hex>`. Must start with `cpm-`. */
  prefix?: string;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Machine {
  readonly name: string;
  readonly role: HostRole;
  readonly monotonicOffsetS: number;
  /** Where sshd listens (management wire, port 22). */
  readonly managementAddress: string;
  /** The VPC NICs inside the machine, by wire (as in the inventory). */
  readonly nics: Partial<Record<NicKind, string>>;
  /** The spare NICs on the user wire (MachineSpec.spareNics), down, no address. */
  readonly spareNics: readonly string[];
  /** The holder's pid (the machine's "init"): `nsenter -t` target. */
  readonly pid: number;
  /** sshd's pid (host pid namespace). */
  readonly sshdPid: number;
  /** The inventory host for `executor: ssh`. */
  readonly host: InventoryHost;
  /** Runs argv inside the machine's network, mount, UTS and time namespaces, with a login-like environment (no COLDPATH_STATE_DIR). */
  exec(argv: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<ExecResult>;
  /** Pids of every process in the machine (its holder, sshd, sessions, agents and whatever they started). */
  processes(): number[];
  /** Pulls the plug: SIGKILLs every process in the machine (one that exits on its own meanwhile, like unshare after its child, counts too) and releases its namespaces. Returns how many processes it ended; idempotent (0 the second time). */
  kill(): Promise<number>;
  readonly alive: boolean;
  /** What sshd wrote (foreground, `-e`). */
  sshdLog(): string;
}

export interface Machines {
  readonly machines: readonly Machine[];
  machine(name: string): Machine;
  /** `executor: ssh`, one host per machine, in spec order. */
  readonly inventory: Inventory;
  /** The same inventory as a YAML file in `dir`, for `coldpath … --hosts FILE` (run in the coordinator namespace: `[...wrapper, node, cli, …]`). */
  readonly inventoryFile: string;
  /** Prepend to the ssh argv (ConnectOptions.wrapper): runs ssh in the coordinator namespace on the management wire. */
  readonly wrapper: readonly string[];
  readonly coordinatorNamespace: string;
  readonly fabricNamespace: string;
  /** Temp dir with keys, known_hosts and sshd configs. */
  readonly dir: string;
  /** How long the start took (ms): all machines (in parallel) and each machine's until its sshd listened. */
  readonly timings: { totalMs: number; machineMs: Record<string, number> };
  /** Kills every process in every machine and in the coordinator namespace, removes the namespaces and the temp dir. Idempotent; throws once, at the end, with every failure. */
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';
/** The management wire: TEST-NET-1, only inside the fabric, coordinator and machine namespaces. */
const MGMT_PREFIX = '192.0.2.';
const COORDINATOR_IP = `${MGMT_PREFIX}1`;
const MGMT_NIC = 'mgmt0';
const SSH_PORT = 22;
const BRIDGES: Record<NicKind | 'mgmt', string> = { platform: 'br-platform', user: 'br-user', mgmt: 'br-mgmt' };
/** A login session's environment: what sshd gives root, not the test's (no COLDPATH_STATE_DIR). */
const SESSION_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' };
const NS_KINDS = ['time', 'mnt', 'uts', 'net'] as const;
const CLI = join(PACKAGE_ROOT, 'bin', 'coldpath.js');

/** Which NIC names a role gets: the role's NICs, then the optional extra one (eth1). */
export function nicsOf(role: HostRole, extraNic = false): Partial<Record<NicKind, string>> {
  switch (role) {
    case 'function-host':
      return extraNic ? { platform: 'eth0', user: 'eth1' } : { platform: 'eth0' };
    case 'proxy':
      return { platform: 'eth0', user: 'eth1' };
    case 'service-host':
      return extraNic ? { user: 'eth0', platform: 'eth1' } : { user: 'eth0' };
  }
}

/** Throws an Error naming the Debian package when something the machines need is missing. */
export function checkMachinePrerequisites(): void {
  const missing: string[] = [];
  const has = (command: string): boolean => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
  if (!existsSync(SSHD)) missing.push(`${SSHD} (apt-get install -y openssh-server)`);
  for (const command of ['ssh', 'ssh-keygen']) if (!has(command)) missing.push(`${command} (apt-get install -y openssh-client)`);
  for (const command of ['unshare', 'nsenter']) if (!has(command)) missing.push(`${command} (apt-get install -y util-linux)`);
  if (!has('ip')) missing.push('ip (apt-get install -y iproute2)');
  if (has('unshare') && !spawnSync('unshare', ['--help'], { encoding: 'utf8' }).stdout.includes('--monotonic'))
    missing.push('unshare --time --monotonic (util-linux ≥ 2.36: apt-get install -y util-linux from Debian 11 or later)');
  if (has('nsenter') && !spawnSync('nsenter', ['--help'], { encoding: 'utf8' }).stdout.includes('--time')) missing.push('nsenter --time (util-linux ≥ 2.36)');
  if (!existsSync('/proc/self/ns/time')) missing.push('time namespaces in the kernel (Linux ≥ 5.6 with CONFIG_TIME_NS)');
  if (missing.length > 0) throw new Error(`emulated machines need: ${missing.join('; ')}`);
}

/** This process's CLOCK_MONOTONIC, whole seconds (Node's hrtime reads it): how negative a machine's offset may be. */
export function monotonicSeconds(): number {
  return Number(process.hrtime.bigint() / 1_000_000_000n);
}

/** Every harness this process started and has not stopped: `stopAllMachines` ends them (afterAll after a start that failed or timed out). */
const live = new Set<Harness>();

/** Stops every harness of this process, started or still starting. For afterAll. */
export async function stopAllMachines(): Promise<void> {
  const errors: string[] = [];
  for (const harness of [...live]) {
    try {
      await harness.stop();
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
}

/** Starts the machines (in parallel) and their sshd; on failure everything made so far is removed before the error is thrown. */
export async function startMachines(spec: MachinesSpec): Promise<Machines> {
  checkMachinePrerequisites();
  validate(spec);
  const harness = new Harness(spec.prefix ?? `cpm-${Math.random().toString(16).slice(2, 8)}`);
  live.add(harness);
  try {
    harness.starting = harness.start(spec);
    await harness.starting;
    return harness;
  } catch (error) {
    // stopAllMachines() while starting (an afterAll after a hook timeout): whatever step failed, that is why.
    if (harness.stopRequested) {
      await harness.stop();
      throw new Error('the machines were stopped while starting', { cause: error });
    }
    try {
      await harness.stop();
    } catch (stopError) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\nand stopping what had started failed: ${(stopError as Error).message}`, { cause: error });
    }
    throw error;
  }
}

function validate(spec: MachinesSpec): void {
  if (spec.prefix !== undefined && !/^cpm-[a-z0-9-]{1,8}$/.test(spec.prefix)) throw new Error(`prefix ${spec.prefix}: expected cpm- and up to 8 of [a-z0-9-]`);
  if (spec.machines.length === 0 || spec.machines.length > 100) throw new Error('between 1 and 100 machines');
  const names = new Set<string>();
  for (const machine of spec.machines) {
    if (!/^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/.test(machine.name)) throw new Error(`machine name ${JSON.stringify(machine.name)}: expected a DNS label of ≤ 40 characters`);
    if (names.has(machine.name)) throw new Error(`machine name ${machine.name} is used twice`);
    names.add(machine.name);
    const offset = machine.monotonicOffsetS ?? 0;
    if (!Number.isInteger(offset)) throw new Error(`${machine.name}: monotonicOffsetS must be whole seconds`);
    // The kernel refuses an offset that would make the namespace's clock negative (ERANGE).
    const nowS = monotonicSeconds();
    if (offset < 0 && -offset >= nowS - 5) throw new Error(`${machine.name}: monotonic offset ${offset} s would make its clock negative (CLOCK_MONOTONIC is at ${nowS} s)`);
  }
}

async function run(argv: readonly string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error) => resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}` }));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

async function must(argv: readonly string[], input?: string): Promise<string> {
  const result = await run(argv, input);
  if (result.code !== 0) throw new Error(`${argv.join(' ')} failed (${result.code ?? result.signal}): ${result.stderr.trim()}${input === undefined ? '' : `\ninput:\n${input}`}`);
  return result.stdout;
}

/** Pids whose namespace of one of `kinds` has one of `ids` (`net:[4026…]`), other than ours. */
function pidsIn(ids: ReadonlySet<string>): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    for (const kind of NS_KINDS) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/ns/${kind}`);
      } catch {
        break; // gone, or a zombie (no namespaces any more)
      }
      if (ids.has(link)) {
        pids.push(pid);
        break;
      }
    }
  }
  return pids;
}

function parentOf(pid: number): number | undefined {
  try {
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ")".
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * SIGKILLs every process in `ids` until none is left (sshd may be forking a session meanwhile),
 * leaves first: a killed process's parent is still alive to reap it. Killing a parent first would
 * orphan its children to PID 1, and a container's PID 1 may reap them only every second or so.
 */
async function killAllIn(ids: ReadonlySet<string>, what: string, timeoutMs = 10_000): Promise<number> {
  const ended = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pids = pidsIn(ids);
    if (pids.length === 0) break;
    for (const pid of pids) ended.add(pid);
    if (Date.now() > deadline) throw new Error(`${what}: processes ${pids.join(', ')} survived SIGKILL for ${timeoutMs} ms`);
    const parents = new Set(pids.map(parentOf));
    const leaves = pids.filter((pid) => !parents.has(pid));
    const targets = leaves.length > 0 ? leaves : pids;
    for (const pid of targets) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Until reaped (a zombie has no namespaces, so pidsIn no longer lists it, but it still holds its pid).
    const reaped = Date.now() + 1_000;
    while (targets.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < reaped) await sleep(5);
  }
  return ended.size;
}

class MachineImpl implements Machine {
  readonly name: string;
  readonly role: HostRole;
  readonly monotonicOffsetS: number;
  readonly managementAddress: string;
  readonly nics: Partial<Record<NicKind, string>>;
  readonly spareNics: readonly string[];
  readonly addresses: Partial<Record<NicKind, string>>;
  readonly index: number;
  pid = 0;
  sshdPid = 0;
  host!: InventoryHost;
  holder: ChildProcess | undefined;
  sshd: ChildProcess | undefined;
  log = '';
  /** Open nsfs descriptors of the holder's namespaces: they pin the inode numbers (no reuse by another namespace while we match on them). */
  fds: number[] = [];
  ids = new Set<string>();
  killed = false;

  constructor(spec: MachineSpec, index: number) {
    this.name = spec.name;
    this.role = spec.role;
    this.monotonicOffsetS = spec.monotonicOffsetS ?? 0;
    this.index = index;
    this.managementAddress = `${MGMT_PREFIX}${10 + index}`;
    this.nics = nicsOf(spec.role, spec.extraNic);
    this.spareNics = Array.from({ length: spec.spareNics ?? 0 }, (_, i) => `eth${2 + i}`);
    this.addresses = spec.addresses ?? {};
  }

  get alive(): boolean {
    return this.pid !== 0 && !this.killed;
  }

  sshdLog(): string {
    return this.log;
  }

  /** Starts the holder: namespaces made, tmpfs mounted, hostname set, lo up; resolves with its pid. */
  async startHolder(): Promise<void> {
    const offset = String(this.monotonicOffsetS);
    const script = [
      'set -e',
      'mount -t tmpfs -o mode=0755,size=16m cpm-netns /run/netns',
      'mount -t tmpfs -o mode=0755,size=64m cpm-coldpath /run/coldpath',
      'hostname "$1"',
      'ip link set lo up',
      'echo "$$"',
      'exec sleep infinity',
    ].join('\n');
    const argv = ['--net', '--mount', '--uts', '--time', `--monotonic=${offset}`, `--boottime=${offset}`, '--fork', '--kill-child', '--', 'sh', '-c', script, 'cpm-init', this.name];
    const child = spawn('unshare', argv, { stdio: ['ignore', 'pipe', 'pipe'], env: SESSION_ENV });
    this.holder = child;
    let out = '';
    let err = '';
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.on('error', (error) => (err += error.message));
    this.pid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: the holder did not start within 5 s: ${err}`)), 5_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        const match = /^(\d+)\n/.exec(out);
        if (match !== null) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${this.name}: unshare ${argv.slice(0, 6).join(' ')} … exited (${code ?? signal}): ${err.trim()}`));
      });
    });
    // The unshare process itself is in the new net, mnt and uts namespaces but not the time one (that applies to children): its
    // mnt id catches it, the holder's time id catches whatever its namespaced children start (ip netns exec makes a new mnt).
    for (const kind of NS_KINDS) {
      const fd = openSync(`/proc/${this.pid}/ns/${kind}`, 'r');
      this.fds.push(fd);
      this.ids.add(`${kind}:[${fstatSync(fd).ino}]`);
    }
  }

  /** NIC addresses and links inside the machine (the fabric side is the harness's). */
  async configure(): Promise<void> {
    const lines = [`addr add ${this.managementAddress}/24 dev ${MGMT_NIC}`, `link set ${MGMT_NIC} up`];
    for (const kind of ['platform', 'user'] as const) {
      const nic = this.nics[kind];
      if (nic === undefined) continue;
      const address = this.addresses[kind];
      if (address !== undefined) lines.push(`addr add ${address} dev ${nic}`);
      lines.push(`link set ${nic} up`);
    }
    await must(['nsenter', '-t', String(this.pid), '-n', 'ip', '-batch', '-'], `${lines.join('\n')}\n`);
  }

  async startSshd(dir: string, stopRequested: () => boolean): Promise<void> {
    const own = join(dir, this.name);
    mkdirSync(own, { recursive: true });
    const config = join(own, 'sshd_config');
    writeFileSync(config, sshdConfig({ listen: `${this.managementAddress}:${SSH_PORT}`, hostKey: join(own, 'host_ed25519'), authorizedKeys: join(dir, 'authorized_keys') }));
    const child = spawn('nsenter', ['-t', String(this.pid), '-n', '-m', '-u', '-T', '-r', '--wd=/', '--', SSHD, '-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'], env: SESSION_ENV });
    this.sshd = child;
    this.sshdPid = child.pid ?? 0;
    child.on('error', (error) => (this.log += `${error.message}\n`));
    child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')));
    const deadline = Date.now() + 10_000;
    while (!this.log.includes(`Server listening on ${this.managementAddress} port ${SSH_PORT}`)) {
      if (child.exitCode !== null) throw new Error(`${this.name}: sshd exited (${child.exitCode}):\n${this.log}`);
      if (stopRequested()) throw new Error('the machines were stopped while starting');
      if (Date.now() > deadline) throw new Error(`${this.name}: sshd did not listen within 10 s:\n${this.log}`);
      await sleep(20);
    }
  }

  processes(): number[] {
    return this.ids.size === 0 ? [] : pidsIn(this.ids);
  }

  async exec(argv: readonly string[], options: { timeoutMs?: number; input?: string } = {}): Promise<ExecResult> {
    if (!this.alive) throw new Error(`${this.name}: the machine is not running`);
    return new Promise((resolve) => {
      const child = spawn('nsenter', ['-t', String(this.pid), '-n', '-m', '-u', '-T', '-r', '--wd=/', '--', ...argv], { stdio: ['pipe', 'pipe', 'pipe'], env: SESSION_ENV, cwd: '/' });
      let stdout = '';
      let stderr = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
      child.on('error', (error) => {
        clearTimeout(timer);
        resolve({ code: null, signal: null, stdout, stderr: `${stderr}${error.message}` });
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  }

  async kill(): Promise<number> {
    if (this.ids.size === 0) {
      // Never fully started (no namespace ids): its unshare, if still there, takes the holder with it (--kill-child).
      this.killed = true;
      if (this.holder?.exitCode === null && this.holder.signalCode === null) this.holder.kill('SIGKILL');
      return 0;
    }
    this.killed = true;
    const killed = await killAllIn(this.ids, this.name);
    for (const fd of this.fds.splice(0)) closeSync(fd);
    this.ids.clear();
    return killed;
  }
}

class Harness implements Machines {
  readonly prefix: string;
  readonly coordinatorNamespace: string;
  readonly fabricNamespace: string;
  readonly wrapper: readonly string[];
  machines: MachineImpl[] = [];
  dir = '';
  inventory: Inventory = { executor: 'ssh', hosts: [], clockBoundUs: 1000 };
  inventoryFile = '';
  timings: { totalMs: number; machineMs: Record<string, number> } = { totalMs: 0, machineMs: {} };
  /** The start in progress or done: stop() lets it abort at its next step before removing anything, so nothing it is making is missed. */
  starting: Promise<void> | undefined;
  private createdNamespaces: string[] = [];
  private stopping: Promise<void> | undefined;

  constructor(prefix: string) {
    this.prefix = prefix;
    this.coordinatorNamespace = `${prefix}-coord`;
    this.fabricNamespace = `${prefix}-fabric`;
    this.wrapper = ['ip', 'netns', 'exec', this.coordinatorNamespace];
  }

  machine(name: string): Machine {
    const found = this.machines.find((machine) => machine.name === name);
    if (found === undefined) throw new Error(`no machine ${name}`);
    return found;
  }

  get stopRequested(): boolean {
    return this.stopping !== undefined;
  }

  private checkNotStopping(): void {
    if (this.stopRequested) throw new Error('the machines were stopped while starting');
  }

  async start(spec: MachinesSpec): Promise<void> {
    const started = performance.now();
    this.machines = spec.machines.map((machine, index) => new MachineImpl(machine, index));
    this.dir = mkdtempSync(join(tmpdir(), 'coldpath-machines-'));
    // Throwaway keys: each machine's host key, the coordinator's key for root on every machine.
    const keygen = (file: string, comment: string): Promise<string> => must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    await keygen(join(this.dir, 'id_ed25519'), 'coldpath-machines-coordinator');
    writeFileSync(join(this.dir, 'authorized_keys'), readFileSync(join(this.dir, 'id_ed25519.pub')), { mode: 0o600 });
    await Promise.all(
      this.machines.map((machine) => {
        mkdirSync(join(this.dir, machine.name));
        return keygen(join(this.dir, machine.name, 'host_ed25519'), `coldpath-machine-${machine.name}`);
      }),
    );
    const knownHosts = this.machines
      .map(
        (machine) =>
          `${machine.managementAddress} ${readFileSync(join(this.dir, machine.name, 'host_ed25519.pub'), 'utf8')
            .split(' ')
            .slice(0, 2)
            .join(' ')}`,
      )
      .join('\n');
    writeFileSync(join(this.dir, 'known_hosts'), `${knownHosts}\n`);
    // Mount points of the machines' tmpfs (the host's /run is shared, the mounts are not).
    for (const path of ['/run/coldpath', '/run/sshd']) {
      if (!existsSync(path)) {
        console.info(`machines: creating ${path} (a mount point for the machines' own tmpfs, or sshd's privilege-separation directory)`);
        mkdirSync(path, { recursive: true, mode: 0o755 });
      }
    }
    this.checkNotStopping();

    // The fabric (three bridges) and the coordinator, both named namespaces of ours.
    for (const ns of [this.fabricNamespace, this.coordinatorNamespace]) {
      // Recorded first: a stop() racing this start deletes it (if it exists by then).
      this.createdNamespaces.push(ns);
      await must(['ip', 'netns', 'add', ns]);
    }
    const fabric = ['link set lo up'];
    for (const bridge of Object.values(BRIDGES)) fabric.push(`link add ${bridge} type bridge`, `link set ${bridge} up`);
    fabric.push(`link add c-${MGMT_NIC} type veth peer name ${MGMT_NIC} netns ${this.coordinatorNamespace}`, `link set c-${MGMT_NIC} master ${BRIDGES.mgmt} up`);
    await must(['ip', '-n', this.fabricNamespace, '-batch', '-'], `${fabric.join('\n')}\n`);
    await must(['ip', '-n', this.coordinatorNamespace, '-batch', '-'], `link set lo up\naddr add ${COORDINATOR_IP}/24 dev ${MGMT_NIC}\nlink set ${MGMT_NIC} up\n`);
    this.checkNotStopping();

    // allSettled, not all: when one machine fails, start ends only once the others' steps have too, so the stop that
    // follows sees every process they made.
    const outcomes = await Promise.allSettled(
      this.machines.map(async (machine) => {
        const begun = performance.now();
        await machine.startHolder();
        this.checkNotStopping();
        // The machine's NICs: veths whose other end is a port of the wire's bridge in the fabric (m<i>-<nic>, ≤ 15 characters).
        const lines: string[] = [];
        const wires: Array<[string, keyof typeof BRIDGES]> = [[MGMT_NIC, 'mgmt']];
        for (const kind of ['platform', 'user'] as const) {
          const nic = machine.nics[kind];
          if (nic !== undefined) wires.push([nic, kind]);
        }
        for (const nic of machine.spareNics) wires.push([nic, 'user']);
        for (const [nic, wire] of wires) {
          const end = `m${machine.index}-${nic}`;
          lines.push(`link add ${end} type veth peer name ${nic} netns ${machine.pid}`, `link set ${end} master ${BRIDGES[wire]} up`);
        }
        await must(['ip', '-n', this.fabricNamespace, '-batch', '-'], `${lines.join('\n')}\n`);
        await machine.configure();
        this.checkNotStopping();
        await machine.startSshd(this.dir, () => this.stopRequested);
        this.timings.machineMs[machine.name] = Math.round(performance.now() - begun);
      }),
    );
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    this.inventory = {
      executor: 'ssh',
      clockBoundUs: 1000,
      hosts: this.machines.map((machine) => {
        machine.host = {
          name: machine.name,
          role: machine.role,
          address: machine.managementAddress,
          nics: machine.nics,
          ssh: {
            user: 'root',
            port: SSH_PORT,
            identityFile: join(this.dir, 'id_ed25519'),
            knownHostsFile: join(this.dir, 'known_hosts'),
            // sshd's session PATH may not have node: the running Node.js and this checkout's CLI by absolute path.
            command: `${process.execPath} ${CLI} agent`,
          },
        };
        return machine.host;
      }),
    };
    this.inventoryFile = join(this.dir, 'inventory.yaml');
    writeFileSync(this.inventoryFile, stringify(this.inventory));
    this.timings.totalMs = Math.round(performance.now() - started);
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const errors: string[] = [];
    // Every step of start checks for a stop and every step is short (sshd's wait too): it ends within a second or so.
    if (this.starting !== undefined) {
      const settled = await Promise.race([
        this.starting.then(
          () => true,
          () => true,
        ),
        sleep(20_000, undefined, { ref: false }).then(() => false),
      ]);
      if (!settled) errors.push('the start did not end within 20 s of the stop; removing what it made so far');
    }
    const attempt = async (what: string, action: () => Promise<unknown>): Promise<void> => {
      try {
        await action();
      } catch (error) {
        errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    // A holder still starting has no pid yet: wait a moment for it, so its namespaces are known and killed.
    for (const machine of this.machines) {
      const deadline = Date.now() + 5_000;
      while (machine.holder !== undefined && machine.pid === 0 && machine.holder.exitCode === null && Date.now() < deadline) await sleep(20);
      if (machine.pid === 0 && machine.holder?.exitCode === null) machine.holder.kill('SIGKILL');
    }
    for (const machine of this.machines) await attempt(machine.name, () => machine.kill());
    // The coordinator's ssh clients, if a test left a connection open.
    for (const ns of this.createdNamespaces) {
      await attempt(`processes in ${ns}`, async () => {
        if (!existsSync(`/run/netns/${ns}`)) return;
        const pids = (await run(['ip', 'netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // exited meanwhile (an ip of the start, say)
          }
        }
      });
      await attempt(`ip netns del ${ns}`, async () => {
        if (!existsSync(`/run/netns/${ns}`)) return;
        await must(['ip', 'netns', 'del', ns]);
      });
    }
    if (this.dir !== '') rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
    if (errors.length > 0) throw new Error(`stopping the machines: ${errors.join('; ')}`);
  }
}
