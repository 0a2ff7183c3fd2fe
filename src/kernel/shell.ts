/**
 * Prints rendered commands as a runnable shell script: either for this host's
 * namespaces (`ip -n NS …`) or, per node, for real hosts where each node is a
 * machine and the namespace prefix disappears.
 */
import { shellQuote } from '../exec/run-command.js';
import type { KernelCommand } from './render.js';

export function toShellLine(command: KernelCommand): string {
  switch (command.tool) {
    case 'ip':
    case 'bridge': {
      const nsArgs = command.ctx === 'root' ? [] : ['-n', command.ctx.netns];
      return [command.tool, ...nsArgs, ...command.args].map(shellQuote).join(' ');
    }
    case 'sysctl':
      return ['ip', 'netns', 'exec', command.ctx.netns, 'sysctl', '-qw', ...command.args].map(shellQuote).join(' ');
    case 'nft':
      return `ip netns exec ${shellQuote(command.ctx.netns)} nft -f - <<'NFT'\n${command.script}NFT`;
  }
}

/** The same command as it would run on a real host that *is* the node. */
export function toHostLine(command: KernelCommand): string | undefined {
  switch (command.tool) {
    case 'ip':
    case 'bridge':
      if (command.ctx === 'root') return undefined; // the node is a machine: nothing to create
      return [command.tool, ...command.args].map(shellQuote).join(' ');
    case 'sysctl':
      return ['sysctl', '-qw', ...command.args].map(shellQuote).join(' ');
    case 'nft':
      return `nft -f - <<'NFT'\n${command.script}NFT`;
  }
}
