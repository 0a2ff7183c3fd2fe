/** Pod placement and the API's words, as plain data: which Pod a host's agent is exec'd into, and how an API answer reads. */
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { isColdpathError } from '../../../src/errors.js';
import { describeExitStatus, describeHttpFailure, exitCodeOf, networkCodeOf, parseStatus } from '../../../src/executors/kubernetes-failures.js';
import { placeAgent } from '../../../src/executors/kubernetes-placement.js';
import type { InventoryHost } from '../../../src/scenario/inventory.js';

const HOST: InventoryHost = { name: 'fn-1', role: 'function-host', node: 'w1', nics: { platform: 'eth0' } };
const WHERE = { namespace: 'coldpath', field: 'hosts.0.node' };

function pod(name: string, node: string | undefined, phase: string, ready: boolean, extra: { deleting?: boolean; readyReason?: string } = {}): V1Pod {
  return {
    metadata: { name, ...(extra.deleting === true ? { deletionTimestamp: new Date('2026-11-28T10:00:00Z') } : {}) },
    spec: { containers: [{ name: 'agent' }], ...(node === undefined ? {} : { nodeName: node }) },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', ...(extra.readyReason === undefined ? {} : { reason: extra.readyReason }) }],
    },
  };
}

function placementError(pods: V1Pod[]): { message: string; field: string | undefined } {
  try {
    placeAgent(pods, HOST, WHERE);
  } catch (error) {
    if (isColdpathError(error)) return { message: error.message, field: error.field };
    throw error;
  }
  throw new Error('expected placement to fail');
}

describe('placeAgent', () => {
  it('takes the Running, Ready pod on the inventory’s node, passing over one still being deleted', () => {
    const old = pod('coldpath-agent-fn-1-old', 'w1', 'Running', true, { deleting: true });
    const fresh = pod('coldpath-agent-fn-1', 'w1', 'Running', true);
    expect(placeAgent([old, fresh], HOST, WHERE)).toEqual({ namespace: 'coldpath', name: 'coldpath-agent-fn-1', node: 'w1' });
  });

  it('refuses a pod being deleted, one not Ready, and one not scheduled, saying which', () => {
    expect(placementError([pod('a', 'w1', 'Running', true, { deleting: true })]).message).toContain('phase Running, being deleted');
    expect(placementError([pod('a', 'w1', 'Running', false, { readyReason: 'ContainersNotReady' })]).message).toContain('not Ready (ContainersNotReady)');
    const unscheduled = placementError([pod('a', undefined, 'Pending', false)]);
    expect(unscheduled).toEqual({ field: 'hosts.0.node', message: 'fn-1: hosts.0.node: the inventory says node w1, but the agent pod runs elsewhere: a on no node (not scheduled)' });
  });
});

describe('what the API said', () => {
  it('an exec status: Success is exit 0; NonZeroExitCode carries its code and what it means', () => {
    expect(exitCodeOf({ status: 'Success' })).toBe(0);
    const killed = {
      status: 'Failure',
      reason: 'NonZeroExitCode',
      message: 'command terminated with non-zero exit code: exit code 143',
      details: { causes: [{ reason: 'ExitCode', message: '143' }] },
    };
    expect(exitCodeOf(killed)).toBe(143);
    expect(describeExitStatus(killed)).toBe(
      'command terminated with non-zero exit code: exit code 143; exit code 143: the process was terminated (SIGTERM): the container was stopped or the pod deleted',
    );
    // Not an exit: the API itself ended it.
    expect(describeExitStatus({ status: 'Failure', reason: 'InternalError', message: 'container not found ("agent")' })).toBe('container not found ("agent"); reason InternalError');
    expect(exitCodeOf({ status: 'Failure', reason: 'InternalError' })).toBeUndefined();
  });

  it('an HTTP error: the Status message when the body is one, else the text (a proxy’s page)', () => {
    expect(describeHttpFailure(404, '{"kind":"Status","status":"Failure","message":"namespaces \\"coldpath\\" not found","reason":"NotFound","code":404}')).toBe(
      'HTTP 404 NotFound: namespaces "coldpath" not found',
    );
    expect(describeHttpFailure(502, '<html>Bad Gateway</html>')).toBe('HTTP 502: <html>Bad Gateway</html>');
    expect(parseStatus('not json')).toBeUndefined();
    expect(parseStatus({ kind: 'PodList' })).toBeUndefined();
  });

  it('a network failure’s code, found along the cause chain', () => {
    expect(networkCodeOf(new Error('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }))).toBe('ECONNREFUSED');
    expect(networkCodeOf(new Error('no code'))).toBeUndefined();
  });
});
