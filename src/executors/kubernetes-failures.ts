/**
 * What the Kubernetes API said, in one line a person can act on: an HTTP
 * error's `Status` body (`pods "x" is forbidden: …`), a network failure
 * before any answer, or an exec stream's closing `Status` (the agent's exit
 * code, or why the API ended it). Plain functions over plain data, so the
 * wording is tested without a cluster.
 */

/** The fields of a `Status` object (meta/v1) that a message needs; everything optional, as the API sends it. */
export interface ApiStatus {
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: Array<{ reason?: string; message?: string }> };
}

/** Exit codes that say something about the pod: `coldpath` missing from the image, or the container killed. */
const EXIT_MEANING: Record<number, string> = {
  126: 'the agent command is not executable in the container',
  127: 'the agent command was not found in the container (coldpath is not on its PATH)',
  137: 'the process was killed (SIGKILL): the container was stopped or the pod deleted',
  143: 'the process was terminated (SIGTERM): the container was stopped or the pod deleted',
};

/** Reads a response body as a `Status` when it is one (JSON with `kind: Status` or a `message`), else undefined. */
export function parseStatus(body: unknown): ApiStatus | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  if (record['kind'] !== 'Status' && typeof record['message'] !== 'string') return undefined;
  return record as ApiStatus;
}

/** The exit code an exec's closing `Status` carries: 0 for Success, the `ExitCode` cause for NonZeroExitCode, else undefined. */
export function exitCodeOf(status: ApiStatus): number | undefined {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? Number.NaN : Number.parseInt(cause.message, 10);
  return Number.isInteger(code) ? code : undefined;
}

/** One line for an exec's closing `Status`: the API's message, its reason and the exit code with what it means. */
export function describeExitStatus(status: ApiStatus): string {
  const code = exitCodeOf(status);
  if (status.status === 'Success') return 'the agent exited with code 0';
  const parts = [status.message ?? `status ${status.status ?? 'unknown'}`];
  if (status.reason !== undefined && status.reason !== 'NonZeroExitCode') parts.push(`reason ${status.reason}`);
  if (code !== undefined) parts.push(`exit code ${code}${EXIT_MEANING[code] === undefined ? '' : `: ${EXIT_MEANING[code]}`}`);
  return parts.join('; ');
}

/** One line for an HTTP answer that is not a success: the code and the `Status` message when the body is one. */
export function describeHttpFailure(code: number, body: unknown): string {
  const status = parseStatus(body);
  const text = typeof body === 'string' ? body.trim().slice(0, 200) : '';
  const said = status?.message ?? (text === '' ? undefined : text);
  return `HTTP ${code}${status?.reason === undefined ? '' : ` ${status.reason}`}${said === undefined ? '' : `: ${said}`}`;
}

/** What a person checks for an HTTP code from the API server. */
export function hintForHttp(code: number, namespace: string): string {
  if (code === 401) return "the kubeconfig's credentials were refused: `kubectl auth whoami`; renew the token or pick another context (kubernetes.context)";
  if (code === 403) return `the user lacks a permission: \`kubectl auth can-i list pods -n ${namespace}\` and \`kubectl auth can-i create pods/exec -n ${namespace}\` must both say yes`;
  if (code === 404) return `does the namespace exist? \`kubectl get namespace ${namespace}\`; the manifests create it (\`coldpath plan --format kubernetes --hosts FILE | kubectl apply -f -\`)`;
  return '`kubectl cluster-info` and `kubectl get --raw /readyz` show whether the API server is healthy';
}

/** The error code of a network failure (ECONNREFUSED, ENOTFOUND, …), looked for along the cause chain. */
export function networkCodeOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
