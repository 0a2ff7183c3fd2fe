/**
 * readRun parses run.json with its schema: version-1 fixtures migrate and
 * parse, a run written by current code round-trips, and a damaged or foreign
 * file is an input error (exit 2) naming the file and the field.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ColdpathError } from '../../../src/errors.js';
import {
  MIGRATIONS,
  migrateRun,
  migrateV1toV2,
  migrateV2toV3,
  migrateV3toV4,
  migrateV4toV5,
  migrateV5toV6,
  migrateV6toV7,
  migrateV7toV8,
  migrateV8toV9,
  migrateV9toV10,
  migrateV10toV11,
  migrateV11toV12,
  OLDEST_READABLE_VERSION,
} from '../../../src/results/migrate.js';
import { readRun, writeRunJson } from '../../../src/results/store.js';
import { RUN_SCHEMA_VERSION } from '../../../src/results/types.js';
import { currentRun } from './current-run.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const rawFixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, name, 'run.json'), 'utf8')) as Record<string, unknown>;

const dir = mkdtempSync(join(tmpdir(), 'coldpath-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `data` as a run.json and returns the error readRun throws for it. */
function readError(name: string, data: unknown, field = 'BASE'): ColdpathError {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
  try {
    readRun(file, field);
  } catch (error) {
    if (error instanceof ColdpathError) return error;
    throw error;
  }
  throw new Error(`${name}: readRun accepted it`);
}

/** A run as written today, as plain JSON (what a file holds). */
const currentJson = (): Record<string, any> => JSON.parse(JSON.stringify(currentRun())) as Record<string, any>;

describe('migrations', () => {
  it('cover every version from the oldest readable one, in order', () => {
    expect(OLDEST_READABLE_VERSION).toBe(1);
    expect(MIGRATIONS.map((migration) => migration.from)).toEqual(Array.from({ length: RUN_SCHEMA_VERSION - OLDEST_READABLE_VERSION }, (_, i) => OLDEST_READABLE_VERSION + i));
    for (const migration of MIGRATIONS) expect(migration.changes).not.toBe('');
  });

  it('1 → 2 fills what version 1 had none of and leaves what it did not record absent', () => {
    const v1 = rawFixture('run-small');
    const before = JSON.stringify(v1);
    const v2 = migrateV1toV2(v1) as Record<string, any>;
    expect(JSON.stringify(v1)).toBe(before);
    expect(v2['schemaVersion']).toBe(2);
    expect(v2['experiments']).toEqual([]);
    const rep = v2['paths'][0].repetitions[0];
    expect(rep.settles).toEqual([]);
    expect(rep.warm.map((warm: { warmup: unknown }) => warm.warmup)).toEqual(rep.warm.map(() => []));
    expect(rep.slot).toBeUndefined();
    expect(v2['schedule']).toBeUndefined();
    expect(v2['reference']).toBeUndefined();
  });

  it('2 → 3 leaves the kernel counts of a version-2 run absent (it did not count), and the run parses', () => {
    const v2 = currentJson();
    v2['schemaVersion'] = 2;
    for (const path of v2['paths']) for (const rep of path.repetitions) for (const burst of rep.bursts) delete burst.kernelHeld;
    const v3 = migrateV2toV3(v2);
    expect(v3['schemaVersion']).toBe(3);
    expect(v3['paths']).toEqual(v2['paths']);
    const file = join(dir, 'v2.json');
    writeFileSync(file, JSON.stringify(v2));
    expect(readRun(file).paths[0]?.repetitions[0]?.bursts[0]?.kernelHeld).toBeUndefined();
  });

  it('3 → 4 changes only the version: a version-3 run measured no Redis and had no server view', () => {
    const v3 = currentJson();
    v3['schemaVersion'] = 3;
    for (const path of v3['paths']) for (const rep of path.repetitions) delete rep.verification?.server;
    const v4 = migrateV3toV4(v3);
    expect(v4['schemaVersion']).toBe(4);
    expect(v4['paths']).toEqual(v3['paths']);
  });

  it('4 → 5 changes only the version: a version-4 run measured no PostgreSQL', () => {
    const v4 = currentJson();
    v4['schemaVersion'] = 4;
    const v5 = migrateV4toV5(v4);
    expect(v5['schemaVersion']).toBe(5);
    expect(v5['paths']).toEqual(v4['paths']);
  });

  it('5 → 6 changes only the version: a version-5 run measured no nginx', () => {
    const v5 = currentJson();
    v5['schemaVersion'] = 5;
    for (const path of v5['paths']) for (const rep of path.repetitions) if (rep.verification?.server?.server === 'nginx') delete rep.verification.server;
    const v6 = migrateV5toV6(v5);
    expect(v6['schemaVersion']).toBe(6);
    expect(v6['paths']).toEqual(v5['paths']);
  });

  it('6 → 7 changes only the version: a version-6 run started every runtime as a process (no OCI phases, no instances in its echo)', () => {
    const v6 = currentJson();
    v6['schemaVersion'] = 6;
    delete v6['scenario'].instances;
    const v7 = migrateV6toV7(v6);
    expect(v7['schemaVersion']).toBe(7);
    expect(v7['paths']).toEqual(v6['paths']);
    const file = join(dir, 'v6.json');
    writeFileSync(file, JSON.stringify(v6));
    expect(readRun(file).scenario.instances).toBeUndefined();
  });

  it('7 → 8 changes only the version: a version-7 run wired every instance with coldpath’s plan (no cni-add, no instances.network in its echo)', () => {
    const v7 = currentJson();
    v7['schemaVersion'] = 7;
    v7['scenario'].instances = { runtime: 'oci' };
    const v8 = migrateV7toV8(v7);
    expect(v8['schemaVersion']).toBe(8);
    expect(v8['paths']).toEqual(v7['paths']);
    const file = join(dir, 'v7.json');
    writeFileSync(file, JSON.stringify(v7));
    expect(readRun(file).scenario.instances).toEqual({ runtime: 'oci' });
  });

  it('8 → 9 changes only the version: a version-8 run through an agent had its clock in a note only', () => {
    const v8 = currentJson();
    v8['schemaVersion'] = 8;
    const v9 = migrateV8toV9(v8);
    expect(v9['schemaVersion']).toBe(9);
    expect(v9['paths']).toEqual(v8['paths']);
    const file = join(dir, 'v8.json');
    writeFileSync(file, JSON.stringify(v8));
    expect(readRun(file).agents).toBeUndefined();
  });

  it('9 → 10 changes only the version: a version-9 run recorded no connection set-up phases', () => {
    const v9 = currentJson();
    v9['schemaVersion'] = 9;
    for (const path of v9['paths']) for (const rep of path.repetitions) for (const warm of rep.warm) delete warm.phases;
    const v10 = migrateV9toV10(v9);
    expect(v10['schemaVersion']).toBe(10);
    expect(v10['paths']).toEqual(v9['paths']);
  });

  it('10 → 11 changes only the version: a version-10 run could not run the tenants experiment', () => {
    const v10 = currentJson();
    v10['schemaVersion'] = 10;
    const v11 = migrateV10toV11(v10);
    expect(v11['schemaVersion']).toBe(11);
    expect(v11['experiments']).toEqual(v10['experiments']);
    const file = join(dir, 'v10.json');
    writeFileSync(file, JSON.stringify(v10));
    expect(readRun(file).schemaVersion).toBe(RUN_SCHEMA_VERSION);
  });

  it("11 → 12 changes only the version: a version-11 run's agents name no machine (hostname, kernel)", () => {
    const v11 = currentJson();
    v11['schemaVersion'] = 11;
    const v12 = migrateV11toV12(v11);
    expect(v12['schemaVersion']).toBe(12);
    expect(v12['agents']).toEqual(v11['agents']);
    const file = join(dir, 'v11.json');
    writeFileSync(file, JSON.stringify(v11));
    expect(readRun(file).schemaVersion).toBe(RUN_SCHEMA_VERSION);
  });

  it('a current run is left alone', () => {
    const run = currentJson();
    expect(migrateRun(run, RUN_SCHEMA_VERSION)).toBe(run);
  });
});

describe.each(['run-small', 'run-aborted'])('the version-1 fixture %s', (name) => {
  const run = readRun(join(FIXTURES, name));

  it('migrates and parses', () => {
    expect(run.schemaVersion).toBe(RUN_SCHEMA_VERSION);
    expect(run.experiments).toEqual([]);
    expect(run.paths.length).toBeGreaterThan(0);
    for (const path of run.paths) {
      for (const rep of path.repetitions) {
        expect(rep.settles).toEqual([]);
        for (const warm of rep.warm) expect(warm.warmup).toEqual([]);
      }
    }
  });

  it('keeps its scenario as recorded: no default of today filled in', () => {
    const scenario = rawFixture(name)['scenario'];
    expect(run.scenario).toEqual(scenario);
    expect(run.scenario.burst.mode).toBeUndefined();
    expect(run.scenario.reference).toBeUndefined();
  });
});

describe('a run written by current code', () => {
  it('round-trips through run.json', () => {
    const run = currentRun();
    const file = writeRunJson(run, join(dir, 'current'));
    const read = readRun(file);
    expect(read).toEqual(run);
    // The echoed scenario prints in the order it was written (report.html shows it as YAML).
    expect(Object.keys(read.scenario)).toEqual(Object.keys(run.scenario));
  });

  it('round-trips the OCI runtime phases of a run with instances.runtime oci', () => {
    const run = currentJson();
    run['scenario'].instances = { runtime: 'oci' };
    const burst = run['paths'][0].repetitions[0].bursts[0];
    const instance = burst.instances.find((item: { outcome: string }) => item.outcome === 'ok');
    instance.spans.push({ phase: 'oci-create', startUs: 10, endUs: 20 }, { phase: 'oci-start', startUs: 20, endUs: 25 });
    burst.histograms['oci-create'] = burst.histograms['namespace'];
    burst.histograms['oci-start'] = burst.histograms['namespace'];
    const read = readRun(writeRunJson(run as never, join(dir, 'oci')));
    expect(read.scenario.instances).toEqual({ runtime: 'oci' });
    expect(read.paths[0]?.repetitions[0]?.bursts[0]?.instances.find((item) => item.outcome === 'ok')?.spans.map((span) => span.phase)).toContain('oci-start');
  });

  it('keeps scenario fields this version does not know (the scenario is an echo)', () => {
    const run = currentJson();
    run['scenario'].futureKnob = { on: true };
    run['scenario'].burst.futureMode = 'x';
    const read = readRun(writeRunJson(run as never, join(dir, 'future-scenario')));
    expect((read.scenario as Record<string, unknown>)['futureKnob']).toEqual({ on: true });
    expect((read.scenario.burst as Record<string, unknown>)['futureMode']).toBe('x');
  });
});

describe('a damaged or foreign file', () => {
  const cases: Array<[string, (run: Record<string, any>) => unknown, RegExp]> = [
    [
      'a wrong type deep inside',
      (run) => {
        run['paths'][0].repetitions[1].warm[1].histogram = 42;
        return run;
      },
      /^BASE: \S+a-wrong-type-deep-inside\.json: paths\.0\.repetitions\.1\.warm\.1\.histogram: expected string, received number$/,
    ],
    [
      'a missing required field',
      (run) => {
        delete run['paths'][2].target.address;
        return run;
      },
      /: paths\.2\.target\.address: missing \(expected string\)$/,
    ],
    [
      'an unknown field (a typo)',
      (run) => {
        run['paths'][0].repetitions[0].settles[0].waitedMS = 1;
        return run;
      },
      /: paths\.0\.repetitions\.0\.settles\.0\.waitedMS: unknown field$/,
    ],
    [
      'a wrong value inside an experiment',
      (run) => {
        run['experiments'][3].measured.events[0].action = 'explode';
        return run;
      },
      /: experiments\.3\.measured\.events\.0\.action: expected one of /,
    ],
    [
      'an unknown experiment kind',
      (run) => {
        run['experiments'][0].kind = 'chaos';
        return run;
      },
      /: experiments\.0\.kind: expected one of "failover"\|"mtu"\|"nat"\|"scaling"\|"tenants"$/,
    ],
    [
      'a histogram that is not base64',
      (run) => {
        run['paths'][1].repetitions[0].bursts[0].histograms.total = 'not a histogram!';
        return run;
      },
      /: paths\.1\.repetitions\.0\.bursts\.0\.histograms\.total: expected a base64 HdrHistogram$/,
    ],
    [
      'a version-1 file damaged where the migration does not look',
      () => {
        const run = rawFixture('run-small') as Record<string, any>;
        run['fingerprint'].cpuCount = 'two';
        return run;
      },
      /: fingerprint\.cpuCount: expected number, received string$/,
    ],
    ['another schema', () => ({ schema: 'something/else', schemaVersion: 2 }), /: \S+another-schema\.json is not a coldpath run \(schema "something\/else"/],
    ['no object at all', () => [1, 2, 3], /is not a coldpath run \(schema undefined/],
    [
      'a future version',
      (run) => ({ ...run, schemaVersion: RUN_SCHEMA_VERSION + 1 }),
      new RegExp(`has schema version ${RUN_SCHEMA_VERSION + 1}; this coldpath reads versions 1 to ${RUN_SCHEMA_VERSION}$`),
    ],
    ['a version that never existed', (run) => ({ ...run, schemaVersion: 0 }), /has schema version 0;/],
    ['not JSON', () => '{"schema": "coldpath/run", ', /is not JSON$/],
  ];

  it.each(cases)('%s is an input error (exit 2) naming the file and the field', (label, damage, message) => {
    const name = label.replace(/\W+/g, '-');
    const error = readError(name, damage(currentJson()));
    expect(error.kind).toBe('input');
    expect(error.processExitCode).toBe(2);
    expect(error.field).toBe('BASE');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(join(dir, `${name}.json`));
    expect(error.hint).toBeTruthy();
  });
});
