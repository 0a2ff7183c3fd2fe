/**
 * Integration tests build real namespaces: they need root (or CAP_NET_ADMIN +
 * CAP_SYS_ADMIN), the tools and a compiled dist/. They fail loudly when those
 * are missing — they are never skipped silently.
 */
import { existsSync } from 'node:fs';
import { checkPrivileges, PRIVILEGE_HINT } from '../../src/env/privileges.js';
import { installHint, missingTools } from '../../src/env/tools.js';
import { compiledScript } from '../../src/paths.js';

export default function setup(): void {
  const privileges = checkPrivileges();
  if (!privileges.ok) throw new Error(`integration tests need privileges: ${privileges.detail}. ${PRIVILEGE_HINT}`);
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`integration tests need ${missing.map((t) => t.command).join(', ')}: ${installHint(missing)}`);
  if (!existsSync(compiledScript('probes/agent.js'))) throw new Error('integration tests need dist/: run `npm run build` (npm test does)');
}
