/**
 * Reads kubeconfig files (`--kubeconfig`, $KUBECONFIG, `~/.kube/config`) and resolves the
 * connection to use: server, CA, token or client certificate, namespace, with command-line overrides.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parseMiniYaml, UnsupportedYaml } from '@peapod/core/mini-yaml';

export interface NamedCluster {
  name: string;
  cluster: {
    server?: string;
    'certificate-authority'?: string;
    'certificate-authority-data'?: string;
    'insecure-skip-tls-verify'?: boolean;
  };
}
export interface NamedUser {
  name: string;
  user: {
    token?: string;
    tokenFile?: string;
    'client-certificate'?: string;
    'client-certificate-data'?: string;
    'client-key'?: string;
    'client-key-data'?: string;
  };
}
export interface NamedContext {
  name: string;
  context: { cluster?: string; user?: string; namespace?: string };
}
export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  'current-context'?: string;
  clusters?: NamedCluster[];
  users?: NamedUser[];
  contexts?: NamedContext[];
  preferences?: unknown;
}

export interface ConnectionOverrides {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  namespace?: string;
  insecureSkipTlsVerify?: boolean;
  certificateAuthority?: string;
}

export interface Connection {
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  token?: string;
  insecure: boolean;
  namespace: string;
  /** Whether the namespace came from `-n` (or the context) rather than the `default` fallback. */
  contextName?: string;
}

export class ConfigError extends Error {}

/** The kubeconfig files in precedence order (first one wins per key, like kubectl's merge). */
export function kubeconfigPaths(explicit?: string, env = process.env): string[] {
  if (explicit) return [explicit];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(':').filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

export async function parseKubeconfigText(text: string): Promise<Kubeconfig> {
  const t = text.trimStart();
  if (t.startsWith('{')) return JSON.parse(t) as Kubeconfig;
  try {
    return (parseMiniYaml(text) ?? {}) as Kubeconfig;
  } catch (e) {
    if (!(e instanceof UnsupportedYaml)) throw e;
    const { parse } = await import('yaml');
    return (parse(text) ?? {}) as Kubeconfig;
  }
}

export interface LoadedKubeconfig {
  config: Kubeconfig;
  /** Directory of the file each named cluster/user came from, for relative paths. */
  baseDir: Map<string, string>;
  files: string[];
}

/** Loads and merges the kubeconfig files; missing files are skipped unless named explicitly. */
export async function loadKubeconfig(explicit?: string, env = process.env): Promise<LoadedKubeconfig> {
  const files = kubeconfigPaths(explicit, env);
  const merged: Kubeconfig = { clusters: [], users: [], contexts: [] };
  const baseDir = new Map<string, string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if (explicit) throw new ConfigError(`stat ${file}: no such file or directory`);
      void e;
      continue;
    }
    const cfg = await parseKubeconfigText(text);
    if (!merged['current-context'] && cfg['current-context']) merged['current-context'] = cfg['current-context'];
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const item of (cfg[key] ?? []) as { name: string }[]) {
        const list = merged[key] as { name: string }[];
        if (!list.some((x) => x.name === item.name)) {
          list.push(item);
          baseDir.set(`${key}/${item.name}`, dirname(file));
        }
      }
    }
  }
  return { config: merged, baseDir, files };
}

function readRelative(path: string, base: string | undefined): Buffer {
  return readFileSync(isAbsolute(path) || !base ? path : join(base, path));
}

/** Resolves the connection from the loaded kubeconfig and overrides, as kubectl does. */
export function resolveConnection(loaded: LoadedKubeconfig, o: ConnectionOverrides): Connection {
  const cfg = loaded.config;
  const contextName = o.context ?? cfg['current-context'];
  const ctx = contextName ? cfg.contexts?.find((c) => c.name === contextName) : undefined;
  if (o.context && !ctx) throw new ConfigError(`context was not found for specified context: ${o.context}`);
  const clusterName = o.cluster ?? ctx?.context.cluster;
  const userName = o.user ?? ctx?.context.user;
  const cluster = clusterName ? cfg.clusters?.find((c) => c.name === clusterName) : undefined;
  const user = userName ? cfg.users?.find((u) => u.name === userName) : undefined;
  const cBase = clusterName ? loaded.baseDir.get(`clusters/${clusterName}`) : undefined;
  const uBase = userName ? loaded.baseDir.get(`users/${userName}`) : undefined;
  const server = o.server ?? cluster?.cluster.server;
  if (!server) {
    throw new ConfigError(
      'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
    );
  }
  const c = cluster?.cluster ?? {};
  const u = user?.user ?? {};
  let ca: Buffer | undefined;
  if (o.certificateAuthority) ca = readFileSync(o.certificateAuthority);
  else if (c['certificate-authority-data']) ca = Buffer.from(c['certificate-authority-data'], 'base64');
  else if (c['certificate-authority']) ca = readRelative(c['certificate-authority'], cBase);
  let token = o.token ?? u.token;
  if (!token && u.tokenFile) token = readRelative(u.tokenFile, uBase).toString('utf8').trim();
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  if (!o.token) {
    if (u['client-certificate-data']) cert = Buffer.from(u['client-certificate-data'], 'base64');
    else if (u['client-certificate']) cert = readRelative(u['client-certificate'], uBase);
    if (u['client-key-data']) key = Buffer.from(u['client-key-data'], 'base64');
    else if (u['client-key']) key = readRelative(u['client-key'], uBase);
  }
  return {
    server: server.replace(/\/+$/, ''),
    ca,
    cert,
    key,
    token,
    insecure: o.insecureSkipTlsVerify ?? c['insecure-skip-tls-verify'] ?? false,
    namespace: o.namespace ?? ctx?.context.namespace ?? 'default',
    contextName,
  };
}
