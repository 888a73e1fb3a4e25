import { isApiError, type KubeObject, type Pod, type Service } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAdmissionPlugins } from '../src/api/admission/index.js';
import { ensureDefaultNamespaces } from '../src/api/namespaces.js';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import { PODS, SERVICES, tempStores } from './store-helpers.js';

const temp = tempStores();
const opened: LocalResourceService[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  temp.cleanup();
});

function setup(): LocalResourceService {
  const service = createResourceService(temp.open(temp.dir()), { admission: defaultAdmissionPlugins() });
  opened.push(service);
  ensureDefaultNamespaces(service);
  return service;
}

const svc = (name: string, spec: Partial<Service['spec']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec },
});

const pod = (name: string, spec: Partial<Pod['spec']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'localhost/edge-test/httpd:1' }], ...spec },
});

describe('service address admission (through the real service and store)', () => {
  it('assigns a cluster IP and a node port, keeps them on update and refuses a taken port', () => {
    const api = setup();
    const web = api.create(SERVICES, 'default', svc('web', { type: 'NodePort' })) as Service;
    expect(web.spec.clusterIP).toMatch(/^10\.43\./);
    const nodePort = web.spec.ports?.[0].nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    // A PUT that leaves clusterIP and nodePort out keeps both.
    const put = svc('web', { type: 'NodePort' });
    put.metadata.resourceVersion = web.metadata.resourceVersion;
    const updated = api.update(SERVICES, 'default', put) as Service;
    expect(updated.spec.clusterIP).toBe(web.spec.clusterIP);
    expect(updated.spec.ports?.[0].nodePort).toBe(nodePort);

    let error: unknown;
    try {
      api.create(SERVICES, 'default', svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort }] }));
    } catch (e) {
      error = e;
    }
    expect(isApiError(error) && error.status).toMatchObject({
      code: 422,
      reason: 'Invalid',
      message: `Service "other" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`,
    });

    // Deleting the service frees its port.
    api.delete(SERVICES, 'default', 'web');
    const again = api.create(
      SERVICES,
      'default',
      svc('other', { type: 'NodePort', ports: [{ port: 80, nodePort }] }),
    ) as Service;
    expect(again.spec.ports?.[0].nodePort).toBe(nodePort);
  });

  it('gives headless services no address', () => {
    const api = setup();
    const h = api.create(SERVICES, 'default', svc('h', { clusterIP: 'None' })) as Service;
    expect(h.spec.clusterIP).toBe('None');
  });
});

describe('default tolerations (pod defaulting, DefaultTolerationSeconds)', () => {
  it('adds 300 s not-ready/unreachable tolerations to ordinary pods', () => {
    const p = setup().create(PODS, 'default', pod('a')) as Pod;
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('pins pods bound to one device: tolerate forever', () => {
    const api = setup();
    const byName = api.create(PODS, 'default', pod('a', { nodeName: 'pi-1' })) as Pod;
    const bySelector = api.create(
      PODS,
      'default',
      pod('b', { nodeSelector: { 'kubernetes.io/hostname': 'pi-1' } }),
    ) as Pod;
    for (const p of [byName, bySelector]) {
      expect(p.spec.tolerations?.map((t) => [t.key, t.tolerationSeconds])).toEqual([
        ['node.kubernetes.io/not-ready', undefined],
        ['node.kubernetes.io/unreachable', undefined],
      ]);
    }
  });

  it('leaves a pod that states its own toleration alone', () => {
    const mine = {
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists' as const,
      effect: 'NoExecute' as const,
      tolerationSeconds: 5,
    };
    const p = setup().create(PODS, 'default', pod('a', { tolerations: [mine] })) as Pod;
    expect(p.spec.tolerations).toEqual([
      mine,
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });
});
