/**
 * The default scenario as a user runs it (issue 2: under 60 s on this 2-core
 * machine). Reports wall time and where it went. Run as root:
 * `node dist/bench/default-scenario.js`.
 */
import { RunEvents } from '../src/engine/events.js';
import { runScenario } from '../src/engine/run.js';
import { parseScenario } from '../src/scenario/load.js';

const started = performance.now();
const run = await runScenario({ scenario: parseScenario({}), scenarioSource: 'built-in default', events: new RunEvents(), signal: new AbortController().signal });
const wallS = (performance.now() - started) / 1000;
console.log(`default scenario: ${wallS.toFixed(1)} s wall (budget 60 s: ${wallS <= 60 ? 'met' : 'MISSED'}), outcome ${run.outcome}`);
for (const path of run.paths) {
  const bursts = path.repetitions.flatMap((rep) => rep.bursts).reduce((sum, burst) => sum + burst.wallMs, 0) / 1000;
  const warm = path.repetitions.flatMap((rep) => rep.warm).reduce((sum, w) => sum + w.durationUs, 0) / 1e6;
  console.log(`  ${path.strategy.padEnd(9)} bursts ${bursts.toFixed(1)} s, warm measurements ${warm.toFixed(1)} s, verified ${String(path.verification?.ok)}`);
}
