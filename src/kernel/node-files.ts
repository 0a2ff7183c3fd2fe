/**
 * Files a node's daemons need (a keepalived configuration, its pid files),
 * kept on the node's machine, in the run's ledger directory there
 * (`<state dir>/<tag>/`, kernel/ledger.ts): the agent's teardown of the tag,
 * or `coldpath clean` on that machine, removes the directory with them, and
 * nothing lands in the machine's root network namespace or elsewhere. Every
 * access is a command in the node (`InNode`: `ip netns exec` here, the
 * node's agent elsewhere), so the coordinator never assumes it shares a
 * filesystem with the node.
 */
import { ColdpathError } from '../errors.js';
import type { InNode } from './kernel-driver.js';

/**
 * Prints the tag's ledger directory as the machine's coldpath sees it (its `COLDPATH_STATE_DIR`, else
 * `/run/coldpath`, as kernel/ledger.ts `stateDir()`), failing when the directory is not there.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, for sh, not a template
export const runDirArgv = (tag: string): string[] => ['sh', '-c', 'd="${COLDPATH_STATE_DIR:-/run/coldpath}/$0"; test -d "$d" && printf %s "$d"', tag];

/** The run's ledger directory on the node's machine; a runtime error when that machine has none for the tag. */
export async function runDirOn(inNode: InNode, tag: string, node: string): Promise<string> {
  const result = await inNode(runDirArgv(tag), { timeoutMs: 5000 });
  const dir = result.stdout.trim();
  if (result.exitCode !== 0 || !dir.startsWith('/')) {
    throw new ColdpathError(`${node}: no ledger directory for run tag ${tag} on its machine`, {
      kind: 'runtime',
      command: result.argv,
      stderr: result.stderr,
      hint: "the node's machine keeps the run's files beside its ledger; check that its agent applied the run's plans (coldpath clean --hosts removes leftovers)",
    });
  }
  return dir;
}

/** Writes `text` to `path` on the node's machine (replacing it). */
export async function writeFileOn(inNode: InNode, path: string, text: string): Promise<void> {
  const result = await inNode(['sh', '-c', 'cat > "$0"', path], { input: text, timeoutMs: 5000 });
  if (result.exitCode !== 0) {
    throw new ColdpathError(`cannot write ${path} on the node's machine`, {
      kind: 'runtime',
      command: result.argv,
      stderr: result.stderr,
      hint: 'check the state directory there is writable (run the agent as root)',
    });
  }
}

/** The text of `path` on the node's machine; undefined when it cannot be read (not written yet). */
export async function readFileOn(inNode: InNode, path: string): Promise<string | undefined> {
  const result = await inNode(['cat', path], { timeoutMs: 5000 });
  return result.exitCode === 0 ? result.stdout : undefined;
}
