/**
 * Which cluster the kubernetes executor talks to: kubectl's own kubeconfig
 * (`KubeConfig.loadFromDefault()`: $KUBECONFIG, ~/.kube/config, or the
 * in-cluster service account) unless the inventory's `kubernetes` section
 * names a file or a context. Errors name the field.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { ColdpathError } from '../errors.js';
import type { Inventory } from '../scenario/inventory.js';

/** The inventory's `kubernetes` section, defaults filled in. */
export type KubernetesSettings = NonNullable<Inventory['kubernetes']>;

/** Loads the kubeconfig the settings name (or the default one) and selects their context; a config without a cluster is refused. */
export function loadKubeConfig(settings: Pick<KubernetesSettings, 'kubeconfig' | 'context'>): KubeConfig {
  const config = new KubeConfig();
  try {
    if (settings.kubeconfig === undefined) config.loadFromDefault();
    else config.loadFromFile(settings.kubeconfig);
  } catch (error) {
    const file = settings.kubeconfig ?? 'the default kubeconfig';
    throw new ColdpathError(`kubernetes.kubeconfig: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      kind: 'input',
      field: 'kubernetes.kubeconfig',
      hint: 'point kubernetes.kubeconfig at the file `kubectl` uses (`kubectl config view --minify` shows it)',
      cause: error,
    });
  }
  if (settings.context !== undefined) {
    if (config.getContextObject(settings.context) === null) {
      const known = config.getContexts().map((context) => context.name);
      throw new ColdpathError(`kubernetes.context: no context ${JSON.stringify(settings.context)} in ${settings.kubeconfig ?? 'the default kubeconfig'}`, {
        kind: 'input',
        field: 'kubernetes.context',
        hint: known.length === 0 ? 'the kubeconfig has no contexts' : `known contexts: ${known.join(', ')} (\`kubectl config get-contexts\`)`,
      });
    }
    config.setCurrentContext(settings.context);
  }
  if (config.getCurrentCluster() === null) {
    const field = settings.context === undefined ? 'kubernetes.kubeconfig' : 'kubernetes.context';
    throw new ColdpathError(`${field}: the kubeconfig's context names no cluster, so there is no API server to reach`, {
      kind: 'input',
      field,
      hint: '`kubectl config current-context` and `kubectl cluster-info` show which cluster kubectl would use; for kind, `kind get kubeconfig`',
    });
  }
  return config;
}
