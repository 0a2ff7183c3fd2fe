/**
 * Boots the guest and collects what it left in the job share. The guest has
 * no network device at all (`-nodefaults -nic none`): coldpath builds its own
 * namespaces inside it, and nothing can leave the VM. It sees two virtio-9p
 * shares: the host's root, read-only (node, dist/, iproute2, nft, tcpdump),
 * and the job directory, writable (scenario and job script in, evidence out).
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const JOB_SCRIPT = fileURLToPath(new URL('./guest/job.sh', import.meta.url));
const MARKER = 'COLDPATH-QEMU: ';

export interface BootOptions {
  qemu: string;
  vmlinuz: string;
  initrd: string;
  jobDir: string;
  /** The checkout, shared read-only and mounted at the same path in the guest (wherever it is, even under /tmp). */
  repoRoot: string;
  memoryMb?: number;
  /** vCPUs; default 1 (COLDPATH_QEMU_CPUS in the test overrides it). */
  cpus?: number;
  timeoutMs?: number;
  /** Appended to QEMU's argv (the multi-host tier's NICs: `-netdev tap,…`, `-device virtio-net-pci,…`). */
  extraArgs?: readonly string[];
  /** Appended to the guest kernel's command line (words without whitespace, e.g. `coldpath.name=fn-1`). */
  cmdline?: string;
}

export interface BootResult {
  argv: string[];
  wallMs: number;
  timedOut: boolean;
  exitCode: number | undefined;
  /** Serial console, the guest kernel's and init's output. */
  console: string;
  /** `COLDPATH-QEMU:` lines of guest/init.sh, without the prefix. */
  markers: string[];
  /** Exit code of job.sh, from the `job-exit` marker. */
  jobExit: number | undefined;
}

/** A fresh job directory holding the scenario, the job script and its parameters. */
export function prepareJob(jobDir: string, repoRoot: string, scenarioYaml: string): void {
  rmSync(jobDir, { recursive: true, force: true });
  mkdirSync(jobDir, { recursive: true });
  writeFileSync(join(jobDir, 'scenario.yaml'), scenarioYaml);
  copyFileSync(JOB_SCRIPT, join(jobDir, 'job.sh'));
  writeFileSync(join(jobDir, 'params.sh'), `REPO=${shellQuote(repoRoot)}\n`);
}

const shellQuote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;
/** QEMU option values escape a comma by doubling it. */
export const qemuValue = (text: string): string => text.replace(/,/g, ',,');

export function qemuArgv(options: BootOptions): string[] {
  // One vCPU: measured as fast as two for this scenario (the run is mostly one
  // Node.js process importing modules), and it leaves the host's other CPU free.
  const cpus = options.cpus ?? 1;
  return [
    options.qemu,
    '-accel',
    'tcg',
    '-cpu',
    'max',
    '-smp',
    String(cpus),
    '-m',
    String(options.memoryMb ?? 1536),
    '-nodefaults',
    '-no-user-config',
    '-nic',
    'none',
    '-display',
    'none',
    '-serial',
    'stdio',
    '-no-reboot',
    '-kernel',
    options.vmlinuz,
    '-initrd',
    options.initrd,
    '-append',
    `console=ttyS0 panic=-1 quiet coldpath.repo=${options.repoRoot}${options.cmdline === undefined ? '' : ` ${options.cmdline}`}`,
    '-virtfs',
    'local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap',
    '-virtfs',
    `local,path=${qemuValue(options.jobDir)},mount_tag=job,security_model=none,multidevs=remap`,
    '-virtfs',
    `local,path=${qemuValue(options.repoRoot)},mount_tag=repo,security_model=none,readonly=on,multidevs=remap`,
    ...(options.extraArgs ?? []),
  ];
}

/** Runs the guest to its poweroff (or kills it at the timeout) and returns its console. */
export async function bootGuest(options: BootOptions): Promise<BootResult> {
  const argv = qemuArgv(options);
  const [file, ...args] = argv as [string, ...string[]];
  const started = performance.now();
  // cleanup (execa's default) kills QEMU if the test process dies; SIGKILL at the timeout.
  const result = await execa(file, args, {
    reject: false,
    stdin: 'ignore',
    all: true,
    timeout: options.timeoutMs ?? 600_000,
    killSignal: 'SIGKILL',
    cleanup: true,
  });
  const wallMs = performance.now() - started;
  const consoleText = result.all ?? '';
  writeFileSync(join(options.jobDir, 'console.log'), consoleText);
  const markers = consoleText
    .split('\n')
    .filter((line) => line.startsWith(MARKER))
    .map((line) => line.slice(MARKER.length).trim());
  const exit = markers.find((m) => m.startsWith('job-exit '))?.split(' ')[1];
  return {
    argv,
    wallMs,
    timedOut: result.timedOut,
    exitCode: result.exitCode,
    console: consoleText,
    markers,
    jobExit: exit === undefined ? undefined : Number(exit),
  };
}
