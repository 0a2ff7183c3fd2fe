import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceSetup } from '../../../src/engine/reference.js';
import { parseFullLog } from '../../../src/probes/sockperf-log.js';
import { ColdpathError } from '../../../src/errors.js';
import { parseScenario } from '../../../src/scenario/load.js';
import { parseLinkNames } from '../../../src/kernel/inspect.js';

/** Shaped like `sockperf ping-pong --tcp --full-log FILE`: a header, the round trips, a summary. */
const FULL_LOG = [
  'sockperf: == version #3.10-no.git == ',
  '------------------------------',
  'test was performed using the following parameters: --mps=max --burst=1 --reply-every=1 --msg-size=14 --time=1',
  '------------------------------',
  '[ 0] IP = 100.64.0.10     PORT = 11111 # TCP sockets = 1',
  '------------------------------',
  'packet, txTime(sec), rxTime(sec), rtt(usec)',
  '0, 2.414762705, 2.414812479, 49.774',
  '1, 2.414814001, 2.414862302, 48.301',
  '2, 2.414863100, 2.414934002, 70.902',
  '------------------------------',
  'sockperf: ====> avg-latency=56.326 (std-dev=10.212, mean-ad=9.401, median-ad=1.473, siqr=11.300, cv=0.181, std-error=5.896, 99.0% ci=[41.139, 71.513])',
  'sockperf: # dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0',
  'sockperf: Summary: Latency is 56.326 usec',
  'sockperf: Total 3 observations; each percentile contains 0.03 observations',
  'sockperf: ---> <MAX> observation =   70.902',
  'sockperf: ---> percentile 99.999 =   70.902',
  'sockperf: ---> percentile 50.000 =   68.832',
  'sockperf: ---> <MIN> observation =   48.301',
  '',
].join('\n');

describe('parseFullLog', () => {
  it('returns the rtt column of the rows, in order, and nothing from the header or summary', () => {
    expect(parseFullLog(FULL_LOG)).toEqual([49.774, 48.301, 70.902]);
  });

  it('accepts CRLF line ends', () => {
    expect(parseFullLog(FULL_LOG.replaceAll('\n', '\r\n'))).toEqual([49.774, 48.301, 70.902]);
  });

  it('skips rows whose rtt is not a positive number, and four-field lines that are not rows', () => {
    const text = ['packet, txTime(sec), rxTime(sec), rtt(usec)', '0, 1.0, 1.1, 0', '1, 1.2, 1.3, x', 'a, b, c, 12', '2, 1.4, 1.5, 12.5'].join('\n');
    expect(parseFullLog(text)).toEqual([12.5]);
  });

  it('empty or header-only logs give no round trip', () => {
    expect(parseFullLog('')).toEqual([]);
    expect(parseFullLog('packet, txTime(sec), rxTime(sec), rtt(usec)\n------------------------------\n')).toEqual([]);
  });
});

describe('parseLinkNames', () => {
  it('names from `ip -o link show`, without the @peer suffix', () => {
    const text = [
      '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '3: cpabcdcbr: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000\\    link/ether 2a:0b:6c:11:22:33 brd ff:ff:ff:ff:ff:ff',
      '5: cpab12c3@if2: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master cpabcdcbr state UP mode DEFAULT group default qlen 1000\\    link/ether 9e:4f:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff link-netns coldpath-abcd-fh0-c3',
      '7: cpabcdtun@NONE: <POINTOPOINT,NOARP,UP,LOWER_UP> mtu 1476 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\\    link/gre 198.18.0.16 peer 198.18.0.64',
      '',
    ].join('\n');
    expect(parseLinkNames(text)).toEqual(new Set(['lo', 'cpabcdcbr', 'cpab12c3', 'cpabcdtun']));
  });

  it('ignores lines that do not start with an index', () => {
    const text = ['    link/ether 9e:4f:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff', 'Cannot open network namespace "x": No such file or directory', '2: eth0: <BROADCAST> mtu 1500'].join('\n');
    expect([...parseLinkNames(text)]).toEqual(['eth0']);
    expect(parseLinkNames('').size).toBe(0);
  });
});

describe('referenceSetup without sockperf', () => {
  // `which` reads PATH when called: an empty directory stands for a machine without sockperf.
  const withoutSockperf = async <T>(body: () => Promise<T>): Promise<T> => {
    const saved = process.env['PATH'];
    process.env['PATH'] = mkdtempSync(join(tmpdir(), 'coldpath-empty-path-'));
    try {
      return await body();
    } finally {
      process.env['PATH'] = saved;
    }
  };

  it('auto: no reference, and a note that says how to get one', async () => {
    const setup = await withoutSockperf(() => referenceSetup(parseScenario({})));
    expect(setup).toEqual({ tool: 'none', reason: 'sockperf is not installed (apt-get install -y sockperf): no second instrument checks this run' });
  });

  it('sockperf: an environment error naming reference.tool, before anything is built', async () => {
    const error = await withoutSockperf(() =>
      referenceSetup(parseScenario({ reference: { tool: 'sockperf' } })).then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(error).toBeInstanceOf(ColdpathError);
    expect(error).toMatchObject({ kind: 'environment', field: 'reference.tool', message: 'reference.tool: sockperf is not installed' });
  });

  it('none: no reference, said so', async () => {
    expect(await referenceSetup(parseScenario({ reference: { tool: 'none' } }))).toEqual({ tool: 'none', reason: 'reference.tool is none' });
  });
});
