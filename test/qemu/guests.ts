/**
 * Three machines, three kernels (issue 12, "Separate kernels"): QEMU guests,
 * each booting Debian's stock kernel (TCG) with its own clock, wired to each
 * other on virtual wires, each running Debian's sshd, so that the coordinator
 * reaches `coldpath agent` in each with the real ssh executor.
 *
 * The wires are bridges in a fabric namespace of ours (`cpq-<6 hex>-fabric`):
 * `cpq-br-mgmt` (management), `cpq-br-plat` (platform VPC), `cpq-br-user`
 * (user VPC). Each guest NIC is a virtio-net device whose backend is a
 * persistent tap made in the fabric namespace and enslaved to its wire's
 * bridge; QEMU runs in the fabric namespace (`nsenter --net`) so it opens the
 * tap there. The coordinator's ssh runs in `cpq-<6 hex>-coord`, whose `mgmt0`
 * is a veth port of the management bridge (192.0.2.1/24). Nothing is created
 * in the root network namespace.
 *
 * Each guest boots the tier's initramfs (guest/init.sh), which runs
 * guest/agent-host.sh from the guest's job share: hostname, NICs renamed by
 * MAC, management address, sshd on port 22 (the inventory's; under `unshare
 * --time --monotonic=N` when the guest has an injected offset) and on port
 * 2222 (the guest's own clock: the reference). Keys are throwaway, made here,
 * in the guests' job directories.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { stringify } from 'yaml';
import type { HostRole, Inventory, InventoryHost } from '../../src/scenario/inventory.js';
import { qemuArgv } from './guest.js';
import type { Tool } from './prereqs.js';

export const AGENT_HOST_SCRIPT = fileURLToPath(new URL('./guest/agent-host.sh', import.meta.url));
const MARKER = 'COLDPATH-QEMU: ';

/** What the guests need beyond the tier's own tools (prereqs.ts TOOLS), on the host: the guests run the host's binaries. */
export const GUEST_TOOLS: readonly Tool[] = [
  { command: 'sshd', debian: 'openssh-server', why: 'sshd in each guest (the host binary, through the chroot)' },
  { command: 'ssh', debian: 'openssh-client', why: "the coordinator's ssh executor" },
  { command: 'ssh-keygen', debian: 'openssh-client', why: 'throwaway host and client keys' },
  { command: 'unshare', debian: 'util-linux', why: "a time namespace for one guest's sshd (the injected clock offset)" },
  { command: 'nsenter', debian: 'util-linux', why: 'QEMU started in the fabric namespace' },
];

export type Wire = 'mgmt' | 'platform' | 'user';
const BRIDGES: Record<Wire, string> = { mgmt: 'cpq-br-mgmt', platform: 'cpq-br-plat', user: 'cpq-br-user' };
const MGMT_PREFIX = '192.0.2.';
export const COORDINATOR_IP = `${MGMT_PREFIX}1`;
export const REFERENCE_PORT = 2222;

export interface GuestSpec {
  /** Inventory host name and the guest's hostname. */
  name: string;
  role: HostRole;
  /** CLOCK_MONOTONIC (and BOOTTIME) offset of the port-22 sshd and everything it starts, whole seconds; default 0. */
  monotonicOffsetS?: number;
  /** A function host's user-VPC NIC, `eth1` (the parent of macvlan and ipvlan ENIs); default none. */
  userNic?: boolean;
  /**
   * Spare virtio NICs on the user wire, `eth2`, `eth3`, …, left down and unaddressed by the guest: secondary NICs
   * attached ahead of time, lent to instances with `eni.attach: nic`. Default 0.
   */
  spareNics?: number;
}

export interface Guest {
  readonly name: string;
  readonly role: HostRole;
  readonly monotonicOffsetS: number;
  readonly managementAddress: string;
  /** VPC NICs in the guest, by wire. */
  readonly nics: Partial<Record<'platform' | 'user', string>>;
  /** The spare NICs on the user wire (GuestSpec.spareNics). */
  readonly spareNics: readonly string[];
  readonly jobDir: string;
  /** The inventory's host: port 22 (the injected clock, if any). */
  readonly host: InventoryHost;
  /** The same guest on port 2222: the guest's own clock. */
  readonly reference: InventoryHost;
  /** QEMU's pid (ours). */
  readonly pid: number;
  /** From QEMU's start until the guest's sshd listened (ms). */
  readyMs: number;
  /** Guest uptime (s) when sshd listened. */
  readyUptimeS: number;
  console(): string;
}

export interface Guests {
  readonly guests: readonly Guest[];
  guest(name: string): Guest;
  readonly inventory: Inventory;
  readonly inventoryFile: string;
  /** Prepended to ssh (ConnectOptions.wrapper) and to the coordinator's CLI: the coordinator namespace. */
  readonly wrapper: readonly string[];
  readonly fabricNamespace: string;
  readonly coordinatorNamespace: string;
  /**
   * Prepended to the coordinator's CLI (`coldpath run|clean --hosts`): the coordinator namespace, in a
   * private mount namespace with fresh tmpfs on /run/netns and /run/coldpath, so that the coordinator's
   * own ledger and `clean`'s sweep of "this machine" see nothing of the host's other runs.
   */
  readonly coordinator: readonly string[];
  /** Bridge of a wire, in the fabric namespace (tcpdump there sees the wire between the guests). */
  bridge(wire: Wire): string;
  /** All guests booted until sshd listened (ms). */
  readonly bootMs: number;
  /** `ssh root@guest COMMAND` from the coordinator namespace (port 2222: the guest's own clock). */
  ssh(name: string, command: string, timeoutMs?: number): Promise<{ code: number | undefined; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface StartGuestsOptions {
  qemu: string;
  vmlinuz: string;
  initrd: string;
  repoRoot: string;
  /** Holds each guest's job directory, the keys and the inventory; emptied first. */
  workDir: string;
  guests: readonly GuestSpec[];
  memoryMb?: number;
  /** Until every guest's sshd listens; default 240 s. */
  bootTimeoutMs?: number;
  /** The inventory's clockBoundUs. */
  clockBoundUs: number;
  /** The inventory's agentTimeoutMs: under TCG an agent takes tens of seconds to start. */
  agentTimeoutMs: number;
}

/** Which NICs a role gets (the integration tier's machines do the same): the role's own, eth0 first. */
export function nicsOfRole(role: HostRole): Partial<Record<'platform' | 'user', string>> {
  switch (role) {
    case 'function-host':
      return { platform: 'eth0' };
    case 'proxy':
      return { platform: 'eth0', user: 'eth1' };
    case 'service-host':
      return { user: 'eth0' };
  }
}

/** A fixed, locally administered MAC per guest and NIC: the guest renames its NICs by it. */
export const macOf = (guest: number, nic: number): string => `52:54:00:c9:${guest.toString(16).padStart(2, '0')}:${nic.toString(16).padStart(2, '0')}`;

const live = new Set<GuestsImpl>();

/** Stops every set of guests this process started (afterAll, also after a start that failed). */
export async function stopAllGuests(): Promise<void> {
  const errors: string[] = [];
  for (const guests of [...live]) {
    try {
      await guests.stop();
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (errors.length > 0) throw new Error(errors.join('\n'));
}

async function must(argv: readonly string[], input?: string): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  const result = await execa(file, args, { reject: false, ...(input === undefined ? {} : { input }) });
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (${result.exitCode}): ${result.stderr.trim()}`);
  return result.stdout;
}

class GuestImpl implements Guest {
  readonly monotonicOffsetS: number;
  readonly managementAddress: string;
  readonly nics: Partial<Record<'platform' | 'user', string>>;
  readonly spareNics: readonly string[];
  readonly jobDir: string;
  host!: InventoryHost;
  reference!: InventoryHost;
  pid = 0;
  readyMs = 0;
  readyUptimeS = 0;
  child: ChildProcess | undefined;
  text = '';
  exited: Promise<void> = Promise.resolve();

  constructor(
    readonly spec: GuestSpec,
    readonly index: number,
    workDir: string,
  ) {
    this.monotonicOffsetS = spec.monotonicOffsetS ?? 0;
    this.managementAddress = `${MGMT_PREFIX}${10 + index}`;
    this.nics = spec.userNic === true ? { ...nicsOfRole(spec.role), user: 'eth1' } : nicsOfRole(spec.role);
    this.spareNics = Array.from({ length: spec.spareNics ?? 0 }, (_, i) => `eth${2 + i}`);
    this.jobDir = join(workDir, spec.name);
  }

  get name(): string {
    return this.spec.name;
  }

  get role(): HostRole {
    return this.spec.role;
  }

  console(): string {
    return this.text;
  }

  /** NICs in QEMU's order: the management NIC, then the VPC ones; each with its tap and wire. */
  wires(): Array<{ nic: string; wire: Wire; tap: string; mac: string }> {
    const list: Array<{ nic: string; wire: Wire }> = [{ nic: 'mgmt0', wire: 'mgmt' }];
    for (const wire of ['platform', 'user'] as const) {
      const nic = this.nics[wire];
      if (nic !== undefined) list.push({ nic, wire });
    }
    for (const nic of this.spareNics) list.push({ nic, wire: 'user' });
    // ≤ 15 characters: cpq-<index>-<nic>.
    return list.map((entry, i) => ({ ...entry, tap: `cpq-${this.index}-${entry.nic}`, mac: macOf(this.index, i + 1) }));
  }
}

class GuestsImpl implements Guests {
  readonly fabricNamespace: string;
  readonly coordinatorNamespace: string;
  readonly wrapper: readonly string[];
  readonly coordinator: readonly string[];
  guests: GuestImpl[] = [];
  inventory: Inventory = { executor: 'ssh', hosts: [], clockBoundUs: 1000 };
  inventoryFile = '';
  bootMs = 0;
  private readonly namespaces: string[] = [];
  private stopping: Promise<void> | undefined;
  private keyDir = '';

  constructor(readonly options: StartGuestsOptions) {
    const tag = Math.random().toString(16).slice(2, 8);
    this.fabricNamespace = `cpq-${tag}-fabric`;
    this.coordinatorNamespace = `cpq-${tag}-coord`;
    this.wrapper = ['ip', 'netns', 'exec', this.coordinatorNamespace];
    const script = [
      'set -e',
      'exec 3< "$0"',
      'mount -t tmpfs -o mode=0755,size=16m cpq-netns /run/netns',
      'mount -t tmpfs -o mode=0755,size=16m cpq-coldpath /run/coldpath',
      'exec nsenter --net=/proc/self/fd/3 -- "$@"',
    ].join('\n');
    this.coordinator = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, `/run/netns/${this.coordinatorNamespace}`];
  }

  guest(name: string): Guest {
    const found = this.guests.find((g) => g.name === name);
    if (found === undefined) throw new Error(`no guest ${name}`);
    return found;
  }

  bridge(wire: Wire): string {
    return BRIDGES[wire];
  }

  async start(): Promise<void> {
    const { workDir } = this.options;
    rmSync(workDir, { recursive: true, force: true });
    mkdirSync(workDir, { recursive: true });
    this.guests = this.options.guests.map((spec, i) => new GuestImpl(spec, i, workDir));
    this.keyDir = join(workDir, 'coordinator');
    mkdirSync(this.keyDir);
    // The coordinator's private mounts need their mount points (the integration tier's machines make them too).
    mkdirSync('/run/coldpath', { recursive: true, mode: 0o755 });
    const keygen = (file: string, comment: string): Promise<string> => must(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
    const clientKey = join(this.keyDir, 'id_ed25519');
    await keygen(clientKey, 'coldpath-qemu-coordinator');
    const knownHosts: string[] = [];
    for (const guest of this.guests) {
      mkdirSync(guest.jobDir);
      await keygen(join(guest.jobDir, 'host_ed25519'), `coldpath-qemu-${guest.name}`);
      const pub = readFileSync(join(guest.jobDir, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      knownHosts.push(`${guest.managementAddress} ${pub}`, `[${guest.managementAddress}]:${REFERENCE_PORT} ${pub}`);
      writeFileSync(join(guest.jobDir, 'authorized_keys'), readFileSync(`${clientKey}.pub`), { mode: 0o600 });
      for (const port of [22, REFERENCE_PORT]) {
        writeFileSync(
          join(guest.jobDir, `sshd-${port}.conf`),
          [
            `ListenAddress ${guest.managementAddress}:${port}`,
            `HostKey /tmp/job/host_ed25519`,
            'AuthorizedKeysFile /tmp/job/authorized_keys',
            'PidFile none',
            'UsePAM no',
            'PermitRootLogin prohibit-password',
            'PasswordAuthentication no',
            'KbdInteractiveAuthentication no',
            'StrictModes no',
            'UseDNS no',
            'LogLevel INFO',
            '',
          ].join('\n'),
        );
      }
      copyFileSync(AGENT_HOST_SCRIPT, join(guest.jobDir, 'job.sh'));
      const nics = guest
        .wires()
        .map((w) => `${w.mac}=${w.nic}`)
        .join(' ');
      writeFileSync(
        join(guest.jobDir, 'params.sh'),
        `NAME='${guest.name}'\nMGMT_ADDR='${guest.managementAddress}'\nNICS='${nics}'\nSPARE='${guest.spareNics.join(' ')}'\nOFFSET_S='${guest.monotonicOffsetS}'\nREPO='${this.options.repoRoot}'\n`,
      );
    }
    const knownHostsFile = join(this.keyDir, 'known_hosts');
    writeFileSync(knownHostsFile, `${knownHosts.join('\n')}\n`);

    // The fabric (bridges, taps) and the coordinator: namespaces of ours.
    for (const ns of [this.fabricNamespace, this.coordinatorNamespace]) {
      this.namespaces.push(ns);
      await must(['ip', 'netns', 'add', ns]);
    }
    const fabric = ['link set lo up'];
    for (const bridge of Object.values(BRIDGES)) fabric.push(`link add ${bridge} type bridge`, `link set ${bridge} up`);
    fabric.push(`link add cpq-c-mgmt0 type veth peer name mgmt0 netns ${this.coordinatorNamespace}`, `link set cpq-c-mgmt0 master ${BRIDGES.mgmt} up`);
    for (const guest of this.guests) {
      for (const { tap, wire } of guest.wires()) fabric.push(`tuntap add dev ${tap} mode tap`, `link set ${tap} master ${BRIDGES[wire]} up`);
    }
    await must(['ip', '-n', this.fabricNamespace, '-batch', '-'], `${fabric.join('\n')}\n`);
    await must(['ip', '-n', this.coordinatorNamespace, '-batch', '-'], `link set lo up\naddr add ${COORDINATOR_IP}/24 dev mgmt0\nlink set mgmt0 up\n`);

    const agentCommand = `${process.execPath} ${join(this.options.repoRoot, 'bin', 'coldpath.js')} agent`;
    const sshOf = (port: number) => ({ user: 'root', port, identityFile: clientKey, knownHostsFile, command: agentCommand });
    for (const guest of this.guests) {
      guest.host = { name: guest.name, role: guest.role, address: guest.managementAddress, nics: guest.nics, ssh: sshOf(22) };
      guest.reference = { ...guest.host, ssh: sshOf(REFERENCE_PORT) };
    }
    this.inventory = { executor: 'ssh', clockBoundUs: this.options.clockBoundUs, agentTimeoutMs: this.options.agentTimeoutMs, hosts: this.guests.map((g) => g.host) };
    this.inventoryFile = join(workDir, 'inventory.yaml');
    writeFileSync(this.inventoryFile, stringify(this.inventory));

    const started = performance.now();
    const timeoutMs = this.options.bootTimeoutMs ?? 240_000;
    const outcomes = await Promise.allSettled(this.guests.map((guest) => this.boot(guest, started, timeoutMs)));
    for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
    this.bootMs = Math.round(performance.now() - started);
  }

  private boot(guest: GuestImpl, started: number, timeoutMs: number): Promise<void> {
    const extraArgs: string[] = [];
    guest.wires().forEach(({ tap, mac }, i) => {
      extraArgs.push('-netdev', `tap,id=n${i},ifname=${tap},script=no,downscript=no`, '-device', `virtio-net-pci,netdev=n${i},mac=${mac}`);
    });
    const argv = qemuArgv({
      qemu: this.options.qemu,
      vmlinuz: this.options.vmlinuz,
      initrd: this.options.initrd,
      jobDir: guest.jobDir,
      repoRoot: this.options.repoRoot,
      memoryMb: this.options.memoryMb ?? 1024,
      cpus: 1,
      extraArgs,
    });
    // QEMU in the fabric namespace (network only: nsenter execs it, so the pid is QEMU's), where its taps are.
    const child = spawn('nsenter', [`--net=/run/netns/${this.fabricNamespace}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    guest.child = child;
    guest.pid = child.pid ?? 0;
    const onData = (chunk: Buffer): void => {
      guest.text += chunk.toString('utf8');
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    guest.exited = new Promise((resolve) => child.on('close', () => resolve()));
    // If this process ends without stop() (a crash, a worker torn down), our QEMU goes with it.
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    void guest.exited.then(() => process.removeListener('exit', killOnExit));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`${guest.name}: sshd did not listen within ${timeoutMs} ms; console:\n${tail(guest.text)}`)), timeoutMs);
      const poll = setInterval(() => {
        const markers = markersOf(guest.text);
        const failed = markers.find((m) => m.startsWith('init-failed') || m.startsWith('host-failed'));
        if (failed !== undefined) finish(new Error(`${guest.name}: ${failed}; console:\n${tail(guest.text)}`));
        const ready = markers.find((m) => m.startsWith('sshd-ready'));
        if (ready !== undefined) {
          guest.readyMs = Math.round(performance.now() - started);
          guest.readyUptimeS = Number(ready.split(' ')[1]);
          finish(undefined);
        }
      }, 100);
      child.on('close', (code, signal) => finish(new Error(`${guest.name}: QEMU exited (${code ?? signal}) before sshd listened; console:\n${tail(guest.text)}`)));
      const finish = (error: Error | undefined): void => {
        clearTimeout(timer);
        clearInterval(poll);
        if (error === undefined) resolve();
        else reject(error);
      };
    });
  }

  async ssh(name: string, command: string, timeoutMs = 120_000): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
    const guest = this.guest(name);
    const ssh = guest.reference.ssh;
    const argv = [
      ...this.wrapper,
      'ssh',
      '-T',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${ssh?.knownHostsFile}`,
      '-i',
      String(ssh?.identityFile),
      '-p',
      String(REFERENCE_PORT),
      `root@${guest.managementAddress}`,
      command,
    ];
    const [file, ...args] = argv as [string, ...string[]];
    const result = await execa(file, args, { reject: false, timeout: timeoutMs });
    return { code: result.exitCode, stdout: result.stdout, stderr: result.stderr };
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private async stopOnce(): Promise<void> {
    const errors: string[] = [];
    // A clean poweroff first (agent-host.sh waits for this file), then SIGKILL of our own QEMU.
    for (const guest of this.guests) {
      try {
        writeFileSync(join(guest.jobDir, 'stop'), '');
      } catch {
        // the job dir is gone: nothing to ask
      }
    }
    for (const guest of this.guests) {
      if (guest.child === undefined || guest.child.exitCode !== null || guest.child.signalCode !== null) continue;
      const exited = await Promise.race([guest.exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!exited) {
        guest.child.kill('SIGKILL');
        await guest.exited;
      }
    }
    for (const guest of this.guests) {
      try {
        writeFileSync(join(guest.jobDir, 'console.log'), guest.text);
      } catch {
        // best effort
      }
    }
    // The taps explicitly (persistent taps would go with the namespace too; this makes it certain and immediate).
    if (this.namespaces.includes(this.fabricNamespace)) {
      for (const guest of this.guests) {
        for (const { tap } of guest.wires()) await execa('ip', ['-n', this.fabricNamespace, 'link', 'del', tap], { reject: false });
      }
    }
    for (const ns of this.namespaces.splice(0).reverse()) {
      try {
        const pids = (await execa('ip', ['netns', 'pids', ns], { reject: false })).stdout.split(/\s+/).filter(Boolean).map(Number);
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        await must(['ip', 'netns', 'del', ns]);
      } catch (error) {
        errors.push(`${ns}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    live.delete(this);
    if (errors.length > 0) throw new Error(`stopping the guests: ${errors.join('; ')}`);
  }
}

export function markersOf(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(MARKER))
    .map((line) => line.slice(MARKER.length).trim());
}

const tail = (text: string, lines = 30): string => text.trimEnd().split('\n').slice(-lines).join('\n');

/** Boots the guests in parallel until each one's sshd listens; on failure everything is stopped before the error is thrown. */
export async function startGuests(options: StartGuestsOptions): Promise<Guests> {
  // The guests' NICs are taps: not a Debian package, the kernel's (CONFIG_TUN) and the container's (the device node).
  if (!existsSync('/dev/net/tun')) throw new Error("/dev/net/tun is missing: the guests' NICs are taps (a kernel with CONFIG_TUN, and the device passed into a container)");
  const guests = new GuestsImpl(options);
  live.add(guests);
  try {
    await guests.start();
    return guests;
  } catch (error) {
    await guests.stop().catch(() => {});
    throw error;
  }
}
