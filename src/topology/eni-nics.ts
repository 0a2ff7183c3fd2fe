/**
 * Which spare NIC of a function host is lent to which instance (`hosts[].eni`
 * with `attach: nic`): the one piece of state splitting plans needs, kept by
 * the run (one per run, shared by every plan it splits). An instance takes the
 * first free NIC of its machine in inventory order at its ENI's attach and
 * gives it back when its namespace goes; the machine's NIC count is its ENI
 * quota (the eni strategy refuses beyond it first, `eni-quota`).
 */
import { inputError } from '../errors.js';

export class EniNics {
  /** Per machine: NIC → the instance node holding it and the name it has there. */
  private readonly lent = new Map<string, Map<string, { node: string; dev: string }>>();

  /**
   * A free NIC of `machine` for `node`'s `dev`; none left is an input error naming `field` (`hosts.N.eni.nics`).
   * The same node and dev asked again (a plan split twice) get the same NIC.
   */
  lend(machine: string, nics: readonly string[], node: string, dev: string, field: string): string {
    const held = this.lent.get(machine) ?? new Map<string, { node: string; dev: string }>();
    this.lent.set(machine, held);
    for (const [nic, holder] of held) if (holder.node === node && holder.dev === dev) return nic;
    const free = nics.find((nic) => !held.has(nic));
    if (free === undefined) {
      throw inputError(
        field,
        `ENI quota of machine ${machine} reached: its ${nics.length} NIC(s) (${nics.join(', ')}) are all lent, none for ${node}`,
        `list more spare NICs in ${field}, or start fewer instances at once per function host (burst.sizes, or more function hosts)`,
      );
    }
    held.set(free, { node, dev });
    return free;
  }

  /** The NICs `node` holds on `machine` (and the names they have there), released: the caller returns them. */
  release(machine: string, node: string): Array<{ nic: string; dev: string }> {
    const held = this.lent.get(machine);
    if (held === undefined) return [];
    const out: Array<{ nic: string; dev: string }> = [];
    for (const [nic, holder] of held) {
      if (holder.node !== node) continue;
      out.push({ nic, dev: holder.dev });
      held.delete(nic);
    }
    return out;
  }

  /** The NIC lent to `node` as `dev`, if any (a `link.del` of it becomes its return). */
  heldAs(machine: string, node: string, dev: string): string | undefined {
    for (const [nic, holder] of this.lent.get(machine) ?? []) if (holder.node === node && holder.dev === dev) return nic;
    return undefined;
  }

  /** Forgets `dev`'s lend without returning it (its `link.del` was rewritten into a return). */
  forget(machine: string, nic: string): void {
    this.lent.get(machine)?.delete(nic);
  }
}
