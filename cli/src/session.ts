/** Builds the API client for a verb from the global connection flags. */
import { bool, flag, type ParsedArgs, parseDuration } from './args.js';
import { Client } from './client.js';
import { loadKubeconfig, resolveConnection } from './kubeconfig.js';

export interface Session {
  client: Client;
  /** The namespace from `-n`, the context, or `default`. */
  namespace: string;
  /** Whether `-n` was given explicitly. */
  explicitNamespace: boolean;
}

export async function connect(args: ParsedArgs): Promise<Session> {
  const loaded = await loadKubeconfig(flag(args, 'kubeconfig'));
  const conn = resolveConnection(loaded, {
    context: flag(args, 'context'),
    cluster: flag(args, 'cluster'),
    user: flag(args, 'user'),
    server: flag(args, 'server'),
    token: flag(args, 'token'),
    namespace: flag(args, 'namespace'),
    insecureSkipTlsVerify: args.bools.has('insecure-skip-tls-verify')
      ? bool(args, 'insecure-skip-tls-verify')
      : undefined,
    certificateAuthority: flag(args, 'certificate-authority'),
  });
  const rt = flag(args, 'request-timeout');
  const timeoutMs = rt && rt !== '0' ? parseDuration(rt) : 0;
  return {
    client: new Client(conn, timeoutMs),
    namespace: conn.namespace,
    explicitNamespace: args.values.has('namespace'),
  };
}
