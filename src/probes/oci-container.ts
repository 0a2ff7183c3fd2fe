/**
 * A probe as the process of an OCI container (`instances.runtime: oci`),
 * started with Debian's `crun` in two measured steps: `create` (the bundle is
 * written, crun sets up the namespaces and mounts, the process waits) and
 * `start` (the process runs). It speaks the same JSON lines as a probe
 * started as a process.
 *
 * crun hands its own stdio to the container and exits after `create`, and
 * Node.js closes a child's stdin pipe when the child exits; so the probe's
 * stdin is one end of a Unix socket pair made here (through a socket file in
 * the bundle), which outlives crun. Its stdout and stderr are crun's pipes,
 * which stay open as long as the container holds them: the probe has exited
 * when its stdout closes. When coldpath dies, the socket closes and the probe
 * sees EOF and exits, as a process probe does.
 *
 * Every container is recorded in the ledger before `crun create`, and as
 * removed after `crun delete` and the bundle's removal: `coldpath clean`
 * deletes what a killed run left (kernel/containers.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { nowMicros } from '../clock.js';
import { ColdpathError } from '../errors.js';
import { crunCreateArgv, crunDeleteArgv, crunKillArgv, crunStartArgv, type CgroupView, type CrunContainer } from '../exec/crun.js';
import { AttachedLineChannel } from '../exec/line-channel.js';
import { pinPrefix } from '../exec/line-process.js';
import { formatArgv, runCommand } from '../exec/run-command.js';
import type { Ledger } from '../kernel/ledger.js';
import { NETNS_DIR } from '../kernel/processes.js';
import { OCI_ROOTFS, renderOciConfig } from './oci-config.js';
import { probeArgv, ProbeProcess } from './probe-process.js';
import type { ProbeArgs, ProbeEvent } from './protocol.js';

/** Where a run keeps its containers, and how crun is to be called on this host. */
export interface OciRuntime {
  /** `crun --root`: the run's crun state directory (inside its ledger directory). */
  root: string;
  /** Parent of the bundles (inside the ledger directory). */
  bundles: string;
  view: CgroupView;
  /** Host paths bound read-only into every container (oci-bundle.ts: `hostReadOnlyBinds`). */
  binds: readonly string[];
  ledger: Ledger;
}

/** A container probe and the runtime's own phases, µs monotonic. */
export interface OciProbe {
  probe: ProbeProcess;
  create: { startUs: number; endUs: number };
  start: { startUs: number; endUs: number };
}

/** How long the probe may take to exit after EOF before it is killed. */
const STOP_GRACE_MS = 1000;
const COMMAND_TIMEOUT_MS = 30_000;
/** The probe's environment: no more of coldpath's than it needs. */
const PROBE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];

/** One end of a connected Unix socket pair, through a socket file that is removed at once. */
async function socketPair(path: string): Promise<{ ours: Socket; theirs: Socket }> {
  const server = createServer();
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  const theirs = connect(path);
  await new Promise<void>((resolve, reject) => {
    theirs.once('connect', resolve);
    theirs.once('error', reject);
  });
  const ours = await accepted;
  server.close();
  rmSync(path, { force: true });
  return { ours, theirs };
}

/** Creates and starts the container of one instance; throws (the container recorded for teardown) when a step fails. */
export async function startOciProbe(options: { runtime: OciRuntime; id: string; netns: string; args: ProbeArgs; cpus: readonly number[]; label: string }): Promise<OciProbe> {
  const { runtime } = options;
  const container: CrunContainer = { root: runtime.root, id: options.id };
  const bundle = join(runtime.bundles, options.id);
  const createStart = nowMicros();
  runtime.ledger.append({ t: 'container', root: runtime.root, id: options.id, bundle });
  mkdirSync(join(bundle, OCI_ROOTFS), { recursive: true });
  mkdirSync(runtime.root, { recursive: true, mode: 0o700 });
  const config = renderOciConfig({ args: probeArgv(options.args), env: PROBE_ENV, netnsPath: join(NETNS_DIR, options.netns), readOnlyBinds: runtime.binds, hostname: options.id });
  writeFileSync(join(bundle, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  const pidFile = join(bundle, 'pid');
  const { ours, theirs } = await socketPair(join(bundle, 'stdin.sock'));
  // Pinning crun pins the container: its process inherits the CPU affinity.
  const argv = [...pinPrefix(options.cpus), ...crunCreateArgv(container, bundle, pidFile, runtime.view)];
  const [file, ...args] = argv;
  const child = spawn(file ?? 'crun', args, { stdio: [theirs, 'pipe', 'pipe'] });
  theirs.destroy();
  const channel = new AttachedLineChannel<ProbeEvent>({ label: options.label, argv, input: ours, output: child.stdout, stderr: child.stderr, spawnedAt: createStart });
  // A hung create (a stuck mount, a full /run) must not hold the burst forever.
  const hung = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
  const exitCode = await new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
  clearTimeout(hung);
  const createEnd = nowMicros();
  if (exitCode !== 0) {
    // 'exit' can come before crun's last words on stderr: wait (briefly) until its pipes close.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    ours.destroy();
    throw new ColdpathError(`crun create of ${options.id} failed: ${formatArgv(argv)}`, {
      kind: 'command',
      command: argv,
      ...(exitCode === null ? {} : { exitCode }),
      stderr: channel.stderr,
      hint: 'see crun’s message above; docs/oci.md says what crun needs from the host',
    });
  }
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  const stop = (): Promise<void> => stopContainer(runtime, container, bundle, channel);
  const startStart = nowMicros();
  try {
    await runCommand(crunStartArgv(container), { timeoutMs: COMMAND_TIMEOUT_MS, hint: 'the container was created but would not start; see crun’s message' });
  } catch (error) {
    await stop();
    throw error;
  }
  const startEnd = nowMicros();
  return {
    probe: new ProbeProcess({ channel, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined, stop }),
    create: { startUs: createStart, endUs: createEnd },
    start: { startUs: startStart, endUs: startEnd },
  };
}

/**
 * Stops a container probe in a fixed order: EOF (the probe exits by itself),
 * `crun kill KILL` if it lingers, `crun delete --force`, the bundle, then the
 * ledger line that says it is gone.
 */
async function stopContainer(runtime: OciRuntime, container: CrunContainer, bundle: string, channel: AttachedLineChannel<ProbeEvent>): Promise<void> {
  channel.closeInput();
  if (!(await channel.closedWithin(STOP_GRACE_MS))) {
    await runCommand(crunKillArgv(container, 'KILL'), { reject: false, timeoutMs: COMMAND_TIMEOUT_MS });
    await channel.closedWithin(STOP_GRACE_MS);
  }
  await runCommand(crunDeleteArgv(container), { timeoutMs: COMMAND_TIMEOUT_MS, hint: 'run `coldpath clean` to remove what is left' });
  rmSync(bundle, { recursive: true, force: true });
  runtime.ledger.append({ t: 'container-removed', root: container.root, id: container.id });
}
