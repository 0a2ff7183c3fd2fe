/**
 * The one clock of coldpath: CLOCK_MONOTONIC in microseconds. Every process on
 * the host reads the same clock, so a probe's timestamps and the
 * orchestrator's line up on one timeline.
 */
export const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n);
