/** The inventory the host-plans tests place scenarios on: a function host, a proxy with both NICs, a service host. */
import { parseInventory } from '../../../src/scenario/load-inventory.js';
import type { Inventory } from '../../../src/scenario/inventory.js';

export const THREE_MACHINES_RAW = {
  executor: 'local',
  hosts: [
    { name: 'fn-1', role: 'function-host', nics: { platform: 'ens5', user: 'ens6' } },
    { name: 'proxy-1', role: 'proxy', nics: { platform: 'ens5', user: 'ens6' } },
    { name: 'svc-1', role: 'service-host', nics: { platform: 'ens5', user: 'ens6' } },
  ],
};

export const threeMachines = (): Inventory => parseInventory(structuredClone(THREE_MACHINES_RAW));

/** The same inventory with some hosts changed (by index) or dropped (undefined). */
export function inventoryWith(changes: Record<number, object | undefined>): Inventory {
  const hosts = THREE_MACHINES_RAW.hosts.flatMap((h, i) => {
    if (!(i in changes)) return [structuredClone(h)];
    const change = changes[i];
    return change === undefined ? [] : [{ ...structuredClone(h), ...change }];
  });
  return parseInventory({ ...THREE_MACHINES_RAW, hosts });
}
