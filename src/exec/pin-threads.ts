/**
 * Splits a running process's threads over CPUs: the main thread (the one
 * whose id is the pid: the event loop that measures or serves) on `main`,
 * every other thread (V8's compiler and GC workers, libuv's pool) on
 * `helpers`. Threads exist from start-up, so this runs once the process is ready.
 */
import { runCommand } from './run-command.js';

export async function pinThreads(pid: number, main: readonly number[], helpers: readonly number[]): Promise<void> {
  if (main.length === 0 || helpers.length === 0) return;
  await runCommand(['taskset', '--all-tasks', '--pid', '--cpu-list', helpers.join(','), String(pid)]);
  await runCommand(['taskset', '--pid', '--cpu-list', main.join(','), String(pid)]);
}
