/**
 * Groups rendered commands into as few processes as possible: consecutive
 * iproute2 commands for one namespace become one `ip -n NS -batch -` (one
 * process instead of dozens; see notes/machine-facts.md: ≈10 ms vs ≈3 ms per
 * namespace). Order is kept: only neighbours are merged.
 */
import { contextKey, type KernelCommand } from './render.js';

export interface Step {
  argv: string[];
  input?: string;
  commands: KernelCommand[];
}

export function toSteps(commands: readonly KernelCommand[]): Step[] {
  const steps: Step[] = [];
  let current: { key: string; step: Step } | undefined;
  for (const command of commands) {
    const key = mergeKey(command);
    if (current !== undefined && key !== undefined && current.key === key) {
      appendTo(current.step, command);
      continue;
    }
    const step = newStep(command);
    steps.push(step);
    current = key === undefined ? undefined : { key, step };
  }
  return steps;
}

function mergeKey(command: KernelCommand): string | undefined {
  switch (command.tool) {
    case 'ip':
    case 'bridge':
      return `${command.tool}@${contextKey(command.ctx)}`;
    case 'sysctl':
      return `sysctl@${command.ctx.netns}`;
    case 'nft':
      return `nft@${command.ctx.netns}`;
  }
}

function newStep(command: KernelCommand): Step {
  switch (command.tool) {
    case 'ip':
    case 'bridge': {
      const nsArgs = command.ctx === 'root' ? [] : ['-n', command.ctx.netns];
      return { argv: [command.tool, ...nsArgs, '-batch', '-'], input: `${command.args.join(' ')}\n`, commands: [command] };
    }
    case 'sysctl':
      return { argv: ['ip', 'netns', 'exec', command.ctx.netns, 'sysctl', '-qw', ...command.args], commands: [command] };
    case 'nft':
      return { argv: ['ip', 'netns', 'exec', command.ctx.netns, 'nft', '-f', '-'], input: command.script, commands: [command] };
  }
}

function appendTo(step: Step, command: KernelCommand): void {
  step.commands.push(command);
  switch (command.tool) {
    case 'ip':
    case 'bridge':
      step.input = `${step.input ?? ''}${command.args.join(' ')}\n`;
      return;
    case 'sysctl':
      step.argv.push(...command.args);
      return;
    case 'nft':
      step.input = `${step.input ?? ''}${command.script}`;
      return;
  }
}
