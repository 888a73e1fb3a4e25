import { AppsV1Api, CoreV1Api, KubeConfig, makeInformer, type V1Pod, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { podManifest } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

/** @kubernetes/client-node against a real hub process, configured from the hub's kubeconfig. */

let hub: HubProcess;
let kc: KubeConfig;

beforeAll(async () => {
  hub = await startHubProcess();
  kc = new KubeConfig();
  kc.loadFromFile(hub.kubeconfigPath);
});

afterAll(async () => {
  await hub?.cleanup();
});

function waitUntil<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
    const poll = setInterval(() => {
      const value = read();
      if (value !== undefined) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(value);
      }
    }, 20);
  });
}

describe('@kubernetes/client-node', () => {
  it('loads the generated kubeconfig and lists namespaces, pods and deployments', async () => {
    expect(kc.getCurrentContext()).toBe('peapod');
    const core = kc.makeApiClient(CoreV1Api);
    const namespaces = await core.listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    const created = await core.createNamespacedPod({
      namespace: 'default',
      body: podManifest('cn-1', { via: 'client-node' }) as V1Pod,
    });
    expect(created.metadata?.uid).toBeTruthy();
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'via=client-node' });
    expect(pods.items.map((p) => p.metadata?.name)).toEqual(['cn-1']);
    expect(pods.metadata?.resourceVersion).toMatch(/^\d+$/);
    const apps = kc.makeApiClient(AppsV1Api);
    expect((await apps.listDeploymentForAllNamespaces()).items).toEqual([]);
    await expect(core.readNamespacedPod({ namespace: 'default', name: 'missing' })).rejects.toMatchObject({
      code: 404,
    });
  });

  it('watches pods: ADDED, MODIFIED, DELETED', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const seen: string[] = [];
    const watcher = new Watch(kc);
    const abort = await watcher.watch(
      '/api/v1/namespaces/default/pods',
      { labelSelector: 'via=watch' },
      (phase, obj: V1Pod) => seen.push(`${phase} ${obj.metadata?.name}`),
      () => {},
    );
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('cn-w', { via: 'watch' }) as V1Pod });
    // client-node sends application/json-patch+json by default.
    await core.patchNamespacedPod({
      namespace: 'default',
      name: 'cn-w',
      body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }],
    });
    await core.deleteNamespacedPod({ namespace: 'default', name: 'cn-w', gracePeriodSeconds: 0 });
    await waitUntil(() => (seen.includes('DELETED cn-w') ? true : undefined), 'the DELETED event');
    expect(seen).toEqual(['ADDED cn-w', 'MODIFIED cn-w', 'DELETED cn-w']);
    abort.abort();
  });

  it('keeps an informer cache in sync (list, then watch from the list resourceVersion)', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('inf-1', { via: 'informer' }) as V1Pod });
    const informer = makeInformer(
      kc,
      '/api/v1/namespaces/default/pods',
      () => core.listNamespacedPod({ namespace: 'default', labelSelector: 'via=informer' }),
      'via=informer',
    );
    await informer.start();
    const names = () =>
      informer
        .list()
        .map((p) => p.metadata?.name)
        .sort()
        .join(',');
    expect(names()).toBe('inf-1');
    await core.createNamespacedPod({ namespace: 'default', body: podManifest('inf-2', { via: 'informer' }) as V1Pod });
    await waitUntil(() => (names() === 'inf-1,inf-2' ? true : undefined), 'the informer to see inf-2');
    await core.deleteNamespacedPod({ namespace: 'default', name: 'inf-1', gracePeriodSeconds: 0 });
    await waitUntil(() => (names() === 'inf-2' ? true : undefined), 'the informer to drop inf-1');
    await informer.stop();
  });
});
