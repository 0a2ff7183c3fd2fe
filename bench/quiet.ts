/** Benchmarks that measure whole runs wait until no other coldpath run shares the machine. */
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether another coldpath run (a test, another bench) is alive: a namespace of it holds processes. Leftovers of crashed runs hold none. */
export function foreignRunAlive(): boolean {
  try {
    const names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.split(' ')[0] ?? '')
      .filter((name) => name.startsWith('coldpath-'));
    return names.some((name) => execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).trim() !== '');
  } catch {
    return false;
  }
}

/** Waits (up to 3 min) until no other coldpath run is alive; returns the seconds waited. */
export async function waitForQuiet(): Promise<number> {
  const started = performance.now();
  while (foreignRunAlive() && performance.now() - started < 180_000) await sleep(2000);
  return Math.round((performance.now() - started) / 1000);
}
