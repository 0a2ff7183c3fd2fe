/**
 * The nginx plug-in (services of kind nginx, issue 13's third slice): one
 * nginx (master and one worker) beside each such service's built-in server
 * (in the platform VPC for baseline, in the user VPC for the other paths),
 * its configuration, pid file, temporary directories and access log in a
 * directory inside the run's ledger directory; its view of a path is
 * `$remote_addr` in its access log for the block's witness requests.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColdpathError } from '../../errors.js';
import { toolsForServiceKind, which } from '../../env/tools.js';
import { witnessUri } from '../../services/nginx/access-log.js';
import { NGINX_WORKER_USER } from '../../services/nginx/config.js';
import { NginxServer } from '../../services/nginx/server.js';
import type { ServiceLayout } from '../../topology/layout.js';
import type { EngineContext } from '../context.js';
import { RealServerAdapter, type RealServer, type RealServerPlugin, type RealServerStarter } from './types.js';

/** The Debian package with /usr/sbin/nginx (nginx-light and the other flavours depend on it). */
export const NGINX_PACKAGE = toolsForServiceKind('nginx')[0]?.debian ?? 'nginx';

/** The nginx binary on PATH (Debian's is /usr/sbin/nginx, on root's PATH), or undefined. */
export function findNginx(): string | undefined {
  return which('nginx');
}

/** Whether /etc/passwd's text has the user `name`. */
function hasSystemUser(name: string, passwd: string): boolean {
  return passwd.split('\n').some((line) => line.split(':')[0] === name);
}

/**
 * Exit 3 when nginx cannot run here, naming `field` and the Debian package;
 * returns the binary. `passwd` is /etc/passwd's text (the worker's user,
 * www-data, comes with Debian's base-passwd).
 */
export function checkNginx(field: string, find: () => string | undefined = findNginx, passwd?: string): string {
  const binary = find();
  if (binary === undefined) {
    throw new ColdpathError(`${field}: nginx needs nginx (Debian package ${NGINX_PACKAGE}), which is not installed (or not on PATH)`, {
      kind: 'environment',
      field,
      hint: `apt-get install -y ${NGINX_PACKAGE} (or nginx-light, which brings it)`,
    });
  }
  if (passwd !== undefined && !hasSystemUser(NGINX_WORKER_USER, passwd)) {
    throw new ColdpathError(`${field}: nginx runs its worker as ${NGINX_WORKER_USER}, and there is no such system user`, {
      kind: 'environment',
      field,
      hint: `Debian's base-passwd has ${NGINX_WORKER_USER}; add it with \`adduser --system --group ${NGINX_WORKER_USER}\``,
    });
  }
  return binary;
}

/** A running nginx as the engine sees every real server. */
class NginxRealServer extends RealServerAdapter<NginxServer> implements RealServer {
  readonly kind = 'nginx';

  /** `http.get` needs nothing but host and port: no credentials. */
  requestSpec() {
    return {};
  }

  witnessSpec(name: string, timeoutMs: number, holdMs: number) {
    // `password` and `key` are Redis's; an HTTP witness names itself in its request's path.
    return { host: this.address, port: this.port, password: '', key: '', http: { path: witnessUri(name) }, name, timeoutMs, holdMs };
  }

  observedSources(name: string, opened: number): Promise<Record<string, number>> {
    return this.server.witnessSources(name, opened);
  }

  stop(): Promise<void> {
    return this.server.stop();
  }
}

function starter(binary: string): RealServerStarter {
  return {
    title: 'nginx',
    async start(ctx: EngineContext, service: ServiceLayout): Promise<RealServer> {
      const options = service.nginx;
      if (options === undefined) throw new Error(`service ${service.node} is not of kind nginx`);
      const server = await NginxServer.start(ctx.driver, {
        node: service.node,
        address: service.address,
        port: options.port,
        // Inside the ledger's directory: removed with the ledger, by teardown or by `coldpath clean`.
        dir: join(ctx.driver.ledger.dir, `nginx-${service.node}`),
        binary,
        bodyBytes: options.bodyBytes,
        portField: `services.${service.index}.nginx.port`,
        cpus: ctx.placement.services,
      });
      return new NginxRealServer(server);
    },
  };
}

/** Services of kind nginx: checked once per run (the binary, the worker's user), then one nginx per service node. */
export const nginxPlugin: RealServerPlugin = {
  kind: 'nginx',
  preflight: (field) => starter(checkNginx(field, findNginx, readPasswd())),
};

function readPasswd(): string | undefined {
  try {
    return readFileSync('/etc/passwd', 'utf8');
  } catch {
    return undefined;
  }
}
