/** Address management for a subnet range: lowest free address first, like a cloud IPAM. */
export class Ipam {
  private readonly free: number[];
  private readonly taken = new Map<number, number>();

  /** Address numbers `first..last` (inclusive) are available. */
  constructor(first: number, last: number) {
    this.free = last >= first ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : [];
  }

  get available(): number {
    return this.free.length;
  }

  get used(): number {
    return this.taken.size;
  }

  /** Takes the lowest free number for `owner`, or undefined when exhausted. */
  allocate(owner: number): number | undefined {
    const existing = this.taken.get(owner);
    if (existing !== undefined) return existing;
    const number = this.free.shift();
    if (number !== undefined) this.taken.set(owner, number);
    return number;
  }

  release(owner: number): void {
    const number = this.taken.get(owner);
    if (number === undefined) return;
    this.taken.delete(owner);
    // Keep the free list sorted so allocation stays lowest-first.
    const index = this.free.findIndex((candidate) => candidate > number);
    if (index < 0) this.free.push(number);
    else this.free.splice(index, 0, number);
  }
}
