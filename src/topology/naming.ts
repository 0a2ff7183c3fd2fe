/**
 * Names of kernel objects. Every namespace a run creates is called
 * `coldpath-<tag>-<node>`, so `coldpath clean` can find leftovers and two runs
 * never collide. Interfaces that live in namespaces shared by many instances
 * carry the tag too; all interface names respect the kernel's 15-character
 * limit (IFNAMSIZ - 1) and are checked here, before anything is created.
 */
import { randomBytes } from 'node:crypto';
import { ColdpathError } from '../errors.js';

export const NETNS_PREFIX = 'coldpath-';
/**
 * A run tag as `newRunTag` makes it: 4 lowercase hex digits. Ledgers, `coldpath clean`
 * and NETNS_PATTERN recognise only this shape, so a tag of any other shape would leave
 * objects nobody can find again: whoever takes a tag from outside checks it against this.
 */
export const RUN_TAG_PATTERN = /^[0-9a-f]{4}$/;
/** Matches namespaces created by any coldpath run: `coldpath-<4 hex>-<node>`. */
export const NETNS_PATTERN = /^coldpath-([0-9a-f]{4})-([a-z0-9][a-z0-9-]*)$/;
export const IFNAME_MAX = 15;
/** The characters coldpath allows in an interface name: a portable subset of what Linux accepts (never `/`, `:` or whitespace). */
export const IFNAME_CHARS = /^[A-Za-z0-9_.-]+$/;
/** A node name: what NETNS_PATTERN accepts after the tag. */
export const NODE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

/** A short random tag that identifies one run's kernel objects. */
export function newRunTag(): string {
  return randomBytes(2).toString('hex');
}

export function netnsName(tag: string, node: string): string {
  if (!NODE_NAME_PATTERN.test(node)) {
    throw new ColdpathError(`invalid node name ${JSON.stringify(node)}`, {
      kind: 'input',
      hint: 'node names use lowercase letters, digits and dashes',
    });
  }
  return `${NETNS_PREFIX}${tag}-${node}`;
}

export function parseNetnsName(name: string): { tag: string; node: string } | undefined {
  const match = NETNS_PATTERN.exec(name);
  return match === null ? undefined : { tag: match[1] ?? '', node: match[2] ?? '' };
}

/** Validates an interface name; throws an input error naming the field. */
export function checkIfname(name: string, field = 'interface name'): string {
  if (name.length === 0 || name.length > IFNAME_MAX) {
    throw new ColdpathError(`${field}: interface name ${JSON.stringify(name)} is ${name.length} characters; Linux allows at most ${IFNAME_MAX}`, {
      kind: 'input',
      field,
      hint: 'shorten the host, service or proxy names in the scenario',
    });
  }
  if (!IFNAME_CHARS.test(name) || name === '.' || name === '..') {
    throw new ColdpathError(`${field}: interface name ${JSON.stringify(name)} has characters Linux refuses`, {
      kind: 'input',
      field,
      hint: 'use letters, digits, dot, dash and underscore',
    });
  }
  return name;
}

/** An interface in a shared namespace: `cp<tag><suffix>`, at most 15 characters. */
export function taggedIfname(tag: string, suffix: string, field?: string): string {
  return checkIfname(`cp${tag}${suffix}`, field);
}
