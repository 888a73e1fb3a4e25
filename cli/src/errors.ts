/** kubectl's wording for errors (k8s-semantics §13.4, kubectl-wire §14). */
import { UsageError } from './args.js';
import { ConnectionError, StatusError } from './client.js';
import { ConfigError } from './kubeconfig.js';

/** A client-side failure printed as `error: <message>`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A failure whose text is already printed; only the exit code remains. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function multilineError(prefix: string, errs: string[]): string {
  if (errs.length === 1) return prefix + errs[0];
  return `${prefix}\n${errs.map((e) => `* ${e}`).join('\n')}`;
}

/** Formats a server error as kubectl does; `context` is inserted like `error when creating "f": `. */
export function formatStatusError(e: StatusError, context = ''): string {
  const st = e.status;
  if (e.httpCode === 401) return 'error: You must be logged in to the server (Unauthorized)';
  if (st.reason === 'Invalid' && e.fromServer) {
    const d = st.details;
    if (!d) return `The request is invalid: ${st.message ?? ''}`;
    const s = `The ${d.kind ?? ''} "${d.name ?? ''}" is invalid`;
    const causes = (d.causes ?? []).map((c) => (c.field ? `${c.field}: ${c.message ?? ''}` : (c.message ?? '')));
    return causes.length ? multilineError(`${s}: `, causes) : s;
  }
  const message = st.message ?? (e.httpCode === 404 ? 'the server could not find the requested resource' : 'unknown');
  if (!st.reason) return `Error from server: ${context}${message}`;
  return `Error from server (${st.reason}): ${context}${message}`;
}

export function formatError(e: unknown): string {
  if (e instanceof StatusError) return formatStatusError(e);
  if (e instanceof ConnectionError) return e.message;
  if (e instanceof ConfigError) return e.message.startsWith('The connection') ? e.message : `error: ${e.message}`;
  if (e instanceof UsageError) return `error: ${e.message}`;
  if (e instanceof CliError) return `error: ${e.message}`;
  if (e instanceof Error) return `error: ${e.message}`;
  return `error: ${String(e)}`;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof StatusError && e.httpCode === 404;
}
