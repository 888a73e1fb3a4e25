import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { defaultAdmissionPlugins } from './api/admission/index.js';
import { ensureDefaultNamespaces } from './api/namespaces.js';
import { createResourceService } from './api/service.js';
import { defaultSubjectAltNames, ensureHubCredentials } from './certs/credentials.js';
import { writeKubeconfig } from './certs/kubeconfig.js';
import type { HubComponent, HubContext } from './component.js';
import { type HubOptions, resolveHubOptions } from './config.js';
import { HttpApiComponent } from './http/server.js';
import { createLogger } from './log.js';
import { registerProcessMetrics } from './prometheus/process-metrics.js';
import { MetricsRegistry } from './prometheus/registry.js';
import { SqliteStore } from './store/sqlite.js';
import { peapodVersion } from './version.js';

/**
 * The hub's composition root: opens the store in the data dir, builds the ResourceService, makes
 * sure the default namespaces exist, generates (first start) or loads the CA, server certificate
 * and admin token, starts the HTTP API, then `options.components` in order, and writes
 * `<dataDir>/kubeconfig.yaml`. `stop()` stops the components in reverse, then the API and the store.
 */
export interface HubHandle {
  /** API URL, e.g. `https://127.0.0.1:6443` (wildcard listen addresses shown as 127.0.0.1). */
  url: string;
  /** Admin bearer token ('' with insecureHttp). */
  token: string;
  /** PEM of the hub CA (undefined with insecureHttp). */
  caPem?: string;
  kubeconfigPath: string;
  /** Name of the kubeconfig context. */
  context: string;
  dataDir: string;
  /** The running hub's shared context (store, service, logger, nodeProxy slot). */
  hubContext: HubContext;
  /** What the started components want an admin to know (e.g. how devices join). */
  describeComponents(): string[];
  /** Writes the store's coalesced status writes to disk now (`peapod hub` does it on SIGUSR2). */
  flush(): void;
  stop(): Promise<void>;
}

export const KUBECONFIG_FILE = 'kubeconfig.yaml';

export async function startHub(options: HubOptions = {}): Promise<HubHandle> {
  const o = resolveHubOptions(options);
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
  const log = createLogger(o.logLevel);
  const store = new SqliteStore(o.dataDir, { now: o.now });
  const service = createResourceService(store, { now: o.now, admission: defaultAdmissionPlugins() });
  const metrics = new MetricsRegistry();
  registerProcessMetrics(metrics, peapodVersion());
  const hubContext: HubContext = { store, service, dataDir: o.dataDir, now: o.now, log, metrics };
  const started: HubComponent[] = [];

  const stopAll = async (): Promise<void> => {
    for (const component of started.splice(0).reverse()) {
      try {
        await component.stop();
      } catch (e) {
        log.error('component failed to stop', { component: component.name, error: e });
      }
    }
    service.close();
    store.close();
  };

  try {
    ensureDefaultNamespaces(service);
    const credentials = o.insecureHttp
      ? undefined
      : await ensureHubCredentials(o.dataDir, defaultSubjectAltNames([...o.extraSANs, ...listenHostSAN(o.host)]));
    const http = new HttpApiComponent({
      host: o.host,
      port: o.port,
      bookmarkIntervalMs: o.watchBookmarkIntervalMs,
      ...(credentials ? { tls: credentials.server, token: credentials.token } : {}),
    });
    await http.start(hubContext);
    started.push(http);
    for (const component of o.components) {
      await component.start(hubContext);
      started.push(component);
      log.debug('component started', { component: component.name });
    }

    const kubeconfigPath = join(o.dataDir, KUBECONFIG_FILE);
    writeKubeconfig(kubeconfigPath, {
      server: http.url,
      caPem: credentials?.caPem,
      token: credentials?.token ?? '',
      context: o.context,
    });
    let stopping: Promise<void> | undefined;
    return {
      url: http.url,
      token: credentials?.token ?? '',
      caPem: credentials?.caPem,
      kubeconfigPath,
      context: o.context,
      dataDir: o.dataDir,
      hubContext,
      describeComponents: () => started.flatMap((component) => component.describe?.() ?? []),
      flush: () => store.flush(),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (e) {
    await stopAll();
    throw e;
  }
}

/** The admin info printed when a hub starts (`peapod hub` prints it too). */
export function describeHub(hub: HubHandle): string {
  return [
    `Peapod hub API server: ${hub.url}`,
    `Data directory:        ${hub.dataDir}`,
    `Admin kubeconfig:      ${hub.kubeconfigPath}`,
    ...(hub.caPem
      ? [`CA certificate:        ${hub.dataDir}/tls/ca.crt`, `Admin token file:      ${hub.dataDir}/admin-token`]
      : []),
    ...hub.describeComponents(),
    '',
    'Use it with kubectl:',
    `  export KUBECONFIG=${hub.kubeconfigPath}`,
    '  kubectl get nodes',
    '',
  ].join('\n');
}

/** A specific listen address belongs in the certificate too; wildcards do not. */
function listenHostSAN(host: string): string[] {
  return host === '0.0.0.0' || host === '::' || host === '' ? [] : [host];
}
