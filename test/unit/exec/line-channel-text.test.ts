/** A channel's output as text lines (daemons): replayed to a late first listener, but only a process's first output. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineChannel, type TextLine } from '../../../src/exec/line-channel.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function channel(): { c: LineChannel; stdout: PassThrough; stderr: PassThrough } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  return { c: new LineChannel({ label: 't', argv: ['t'], input: new PassThrough(), output: stdout, stderr, spawnedAt: 0 }), stdout, stderr };
}

describe('LineChannel text lines', () => {
  it('gives stdout and stderr lines, JSON or not, and replays the early ones to the first listener', async () => {
    const { c, stdout, stderr } = channel();
    stdout.write('{"type":"ready"}\nplain\n');
    stderr.write('warn: a\n');
    await tick();
    const seen: TextLine[] = [];
    c.onTextLine((line) => seen.push(line));
    stdout.write('later\n');
    await tick();
    expect(seen.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', '{"type":"ready"}'],
      ['stdout', 'plain'],
      ['stderr', 'warn: a'],
      ['stdout', 'later'],
    ]);
  });

  it('stops keeping text nobody listens to after its first 64 KiB (a probe’s results are not held twice)', async () => {
    const { c, stdout } = channel();
    stdout.write(`${'x'.repeat(70 * 1024)}\nsmall\n`);
    await tick();
    const seen: string[] = [];
    c.onTextLine((line) => seen.push(line.text));
    expect(seen).toEqual([]);
  });
});
