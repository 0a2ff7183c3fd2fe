/** The one command runner: argv in, a result or one typed error out, with what a user needs to act on it. */
import { describe, expect, it } from 'vitest';
import { formatArgv, runCommand } from '../../../src/exec/run-command.js';
import { coldpathErrorOf as failure } from '../../coldpath-error.js';

describe('runCommand', () => {
  it('returns stdout without the final newline, exit code and duration', async () => {
    const result = await runCommand(['sh', '-c', 'echo hello; echo warn >&2']);
    expect(result).toMatchObject({ argv: ['sh', '-c', 'echo hello; echo warn >&2'], exitCode: 0, stdout: 'hello', stderr: 'warn' });
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('feeds input on stdin (how ip -batch sessions get their script)', async () => {
    expect((await runCommand(['cat'], { input: 'a\nb\n' })).stdout).toBe('a\nb');
  });

  it('a non-zero exit is a command error naming the command, its first stderr line, exit code, stderr and a hint', async () => {
    const error = await failure(runCommand(['sh', '-c', 'echo "RTNETLINK answers: File exists" >&2; echo more >&2; exit 2']));
    expect(error.kind).toBe('command');
    expect(error.message).toBe(`RTNETLINK answers: File exists: ${formatArgv(['sh', '-c', 'echo "RTNETLINK answers: File exists" >&2; echo more >&2; exit 2'])}`);
    expect(error.exitCode).toBe(2);
    expect(error.stderr).toBe('RTNETLINK answers: File exists\nmore');
    expect(error.hint).toContain('coldpath clean');
  });

  it('with reject: false, a non-zero exit is a result', async () => {
    expect(await runCommand(['sh', '-c', 'exit 3'], { reject: false })).toMatchObject({ exitCode: 3 });
  });

  it('a missing program is an environment error naming it', async () => {
    const error = await failure(runCommand(['coldpath-no-such-tool', '--version']));
    expect(error.kind).toBe('environment');
    expect(error.message).toContain('coldpath-no-such-tool');
    expect(error.hint).toContain('coldpath doctor');
  });

  it('a command that hangs is killed at its timeout and says so', async () => {
    const error = await failure(runCommand(['sleep', '5'], { timeoutMs: 200 }));
    expect(error.kind).toBe('command');
    expect(error.message).toBe('timed out after 200 ms: sleep 5');
  });

  it('adds env to the environment, which the command otherwise inherits (how a CNI plugin gets its parameters)', async () => {
    const result = await runCommand(['sh', '-c', 'echo "$CNI_COMMAND $PATH"'], { env: { CNI_COMMAND: 'ADD' } });
    expect(result.stdout).toBe(`ADD ${process.env['PATH']}`);
  });

  it('an empty argv is refused', async () => {
    expect((await failure(runCommand([]))).message).toBe('empty command');
  });
});
