import { request } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, deploymentManifest, podManifest } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGGREGATED =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const PODS = '/api/v1/namespaces/default/pods';

let hub: HubProcess;

function rawGet(
  path: string,
  headers: Record<string, string>,
): Promise<{ headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, hub.url), {
      ca: hub.caPem,
      headers: { ...headers, authorization: `Bearer ${hub.token}` },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end();
  });
}

beforeAll(async () => {
  hub = await startHubProcess();
});

afterAll(async () => {
  await hub?.cleanup();
});

describe('auth and TLS', () => {
  it('serves /version, /healthz, /livez and /readyz anonymously, with minor 32', async () => {
    const version = await api(hub, 'GET', '/version', { token: '' });
    expect(version.status).toBe(200);
    expect(version.body).toMatchObject({ major: '1', minor: '32' });
    expect(version.body.gitVersion).toMatch(/^v1\.32\.0-peapod/);
    for (const path of ['/healthz', '/livez', '/readyz']) {
      const res = await api(hub, 'GET', path, { token: '' });
      expect([path, res.status, res.text]).toEqual([path, 200, 'ok']);
    }
  });

  it('answers 401 Unauthorized without a token and with a wrong one', async () => {
    for (const token of ['', 'wrong-token']) {
      const res = await api(hub, 'GET', PODS, { token });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    }
  });

  it('serves HTTPS only, with a certificate the generated CA verifies for 127.0.0.1', async () => {
    expect(hub.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // api() passes the CA and nothing else: a successful call means the chain and SAN verified.
    expect((await api(hub, 'GET', '/api/v1/namespaces')).status).toBe(200);
    await expect(api({ ...hub, caPem: undefined }, 'GET', '/version')).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});

describe('discovery', () => {
  it('serves aggregated discovery v2 with the exact content type', async () => {
    const core = await api(hub, 'GET', '/api', { accept: AGGREGATED });
    expect(core.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(core.body.kind).toBe('APIGroupDiscoveryList');
    expect(core.body.items[0].metadata.name).toBe('');
    const pods = core.body.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'pods');
    expect(pods).toMatchObject({
      responseKind: { group: '', version: 'v1', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      shortNames: ['po'],
      categories: ['all'],
    });
    const apis = await api(hub, 'GET', '/apis', { accept: AGGREGATED });
    const apps = apis.body.items.find((i: { metadata: { name: string } }) => i.metadata.name === 'apps');
    const deploy = apps.versions[0].resources.find((r: { resource: string }) => r.resource === 'deployments');
    expect(deploy.shortNames).toEqual(['deploy']);
    expect(deploy.subresources.map((s: { subresource: string }) => s.subresource)).toContain('scale');
  });

  it('serves legacy discovery to plain JSON clients', async () => {
    expect((await api(hub, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await api(hub, 'GET', '/apis');
    expect(groups.body.kind).toBe('APIGroupList');
    expect(groups.body.groups.map((g: { name: string }) => g.name)).toContain('apps');
    const v1 = await api(hub, 'GET', '/api/v1');
    expect(v1.body.kind).toBe('APIResourceList');
    const names = v1.body.resources.map((r: { name: string }) => r.name);
    expect(names).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'pods/log', 'pods/exec', 'nodes', 'namespaces']),
    );
    const apps = await api(hub, 'GET', '/apis/apps/v1');
    expect(apps.body.resources.find((r: { name: string }) => r.name === 'deployments/scale')).toMatchObject({
      group: 'autoscaling',
      kind: 'Scale',
    });
  });

  it('serves an OpenAPI v3 index whose documents declare fieldValidation on PATCH', async () => {
    const index = await api(hub, 'GET', '/openapi/v3');
    const url = index.body.paths['apis/apps/v1'].serverRelativeURL;
    const doc = await api(hub, 'GET', url);
    const ops = Object.values(doc.body.paths) as { patch: { parameters: { name: string }[] } }[];
    const deployment = ops.find(
      (p) =>
        (p.patch as unknown as Record<string, { kind: string }>)['x-kubernetes-group-version-kind'].kind ===
        'Deployment',
    );
    expect(deployment?.patch.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect((await api(hub, 'GET', '/openapi/v2')).status).toBe(404);
  });
});

describe('CRUD', () => {
  it('creates, reads, lists, replaces and deletes a pod', async () => {
    const created = await api(hub, 'POST', PODS, { body: podManifest('crud-1', { app: 'crud' }) });
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'crud-1', namespace: 'default' });
    expect(created.body.metadata.uid).toBeTruthy();
    expect(typeof created.body.metadata.resourceVersion).toBe('string');

    const got = await api(hub, 'GET', `${PODS}/crud-1`);
    expect(got.body.metadata.uid).toBe(created.body.metadata.uid);

    const list = await api(hub, 'GET', `${PODS}?limit=500`);
    expect(list.body.kind).toBe('PodList');
    expect(typeof list.body.metadata.resourceVersion).toBe('string');
    expect(list.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toContain('crud-1');

    const all = await api(hub, 'GET', '/api/v1/pods');
    expect(all.body.items.some((p: { metadata: { name: string } }) => p.metadata.name === 'crud-1')).toBe(true);

    const replaced = structuredClone(got.body);
    replaced.metadata.labels.extra = 'yes';
    const put = await api(hub, 'PUT', `${PODS}/crud-1`, { body: replaced });
    expect(put.status).toBe(200);
    expect(put.body.metadata.labels.extra).toBe('yes');

    const stale = await api(hub, 'PUT', `${PODS}/crud-1`, { body: replaced });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
    expect(stale.body.message).toContain('the object has been modified');

    const deleted = await api(hub, 'DELETE', `${PODS}/crud-1`, {
      body: { propagationPolicy: 'Background', gracePeriodSeconds: 0 },
    });
    expect(deleted.status).toBe(200);
    expect((await api(hub, 'GET', `${PODS}/crud-1`)).status).toBe(404);
  });

  it('accepts YAML bodies', async () => {
    const yaml =
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: yaml-1\nspec:\n  containers:\n  - name: app\n    image: localhost/edge-test/busybox:1\n';
    const res = await api(hub, 'POST', PODS, { raw: yaml, contentType: 'application/yaml' });
    expect(res.status).toBe(201);
    expect(res.body.metadata.name).toBe('yaml-1');
  });

  it('honours dryRun=All on create and delete', async () => {
    const dry = await api(hub, 'POST', `${PODS}?dryRun=All`, { body: podManifest('dry-1') });
    expect(dry.status).toBe(201);
    expect((await api(hub, 'GET', `${PODS}/dry-1`)).status).toBe(404);
    await api(hub, 'POST', PODS, { body: podManifest('dry-2') });
    expect((await api(hub, 'DELETE', `${PODS}/dry-2?dryRun=All`)).status).toBe(200);
    expect((await api(hub, 'GET', `${PODS}/dry-2`)).status).toBe(200);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['coll-a', 'coll-b', 'coll-c']) {
      await api(hub, 'POST', PODS, { body: podManifest(name, { group: name === 'coll-c' ? 'keep' : 'drop' }) });
    }
    const res = await api(hub, 'DELETE', `${PODS}?labelSelector=group%3Ddrop&gracePeriodSeconds=0`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual([
      'coll-a',
      'coll-b',
    ]);
    const left = await api(hub, 'GET', `${PODS}?labelSelector=group`);
    expect(left.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['coll-c']);
  });

  it('serves cluster-scoped namespaces and rejects namespaced URLs for them', async () => {
    const ns = await api(hub, 'POST', '/api/v1/namespaces', { body: { metadata: { name: 'team-a' } } });
    expect(ns.status).toBe(201);
    expect(ns.body.kind).toBe('Namespace');
    expect((await api(hub, 'GET', '/api/v1/namespaces/team-a')).body.metadata.name).toBe('team-a');
    expect((await api(hub, 'GET', '/api/v1/namespaces/team-a/status')).body.status.phase).toBe('Active');
    expect((await api(hub, 'POST', '/api/v1/namespaces/team-a/pods', { body: podManifest('in-a') })).status).toBe(201);
    expect((await api(hub, 'GET', '/api/v1/namespaces/team-a/pods/in-a')).body.metadata.namespace).toBe('team-a');
  });
});

describe('selectors and tables', () => {
  beforeAll(async () => {
    await api(hub, 'POST', PODS, { body: podManifest('sel-web', { tier: 'web', env: 'prod' }) });
    await api(hub, 'POST', PODS, { body: podManifest('sel-db', { tier: 'db', env: 'prod' }) });
  });

  it('applies label and field selectors on the server', async () => {
    const names = async (query: string) =>
      (await api(hub, 'GET', `${PODS}?${query}`)).body.items.map(
        (p: { metadata: { name: string } }) => p.metadata.name,
      );
    expect(await names('labelSelector=tier%3Dweb')).toEqual(['sel-web']);
    expect(await names('labelSelector=env%3Dprod,tier!%3Dweb')).toEqual(['sel-db']);
    expect(await names('labelSelector=tier%20in%20(web,db)')).toEqual(['sel-db', 'sel-web']);
    expect(await names('fieldSelector=metadata.name%3Dsel-db')).toEqual(['sel-db']);
    const bad = await api(hub, 'GET', `${PODS}?labelSelector=${encodeURIComponent('a in (')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.kind).toBe('Status');
  });

  it('returns Tables with every column and PartialObjectMetadata rows', async () => {
    const table = await api(hub, 'GET', `${PODS}?labelSelector=env%3Dprod`, { accept: TABLE });
    expect(table.body.kind).toBe('Table');
    expect(table.body.apiVersion).toBe('meta.k8s.io/v1');
    expect(typeof table.body.metadata.resourceVersion).toBe('string');
    const columns = table.body.columnDefinitions.map(
      (c: { name: string; priority: number }) => `${c.name}:${c.priority}`,
    );
    expect(columns).toEqual(
      expect.arrayContaining(['Name:0', 'Ready:0', 'Status:0', 'Restarts:0', 'Age:0', 'IP:1', 'Node:1']),
    );
    expect(table.body.rows).toHaveLength(2);
    expect(table.body.rows[0].object).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'sel-db' },
    });
    const full = await api(hub, 'GET', `${PODS}/sel-web?includeObject=Object`, { accept: TABLE });
    expect(full.body.rows[0].object.kind).toBe('Pod');
    expect(full.body.rows[0].object.spec.containers[0].name).toBe('app');
    const none = await api(hub, 'GET', `${PODS}/sel-web?includeObject=None`, { accept: TABLE });
    expect(none.body.rows[0].object).toBeUndefined();
  });
});

describe('patch', () => {
  it('applies merge, JSON and strategic merge patches', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('patch-1', { a: '1', b: '2' }) });
    const merge = await api(hub, 'PATCH', `${PODS}/patch-1`, {
      body: { metadata: { labels: { a: null, c: '3' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(merge.status).toBe(200);
    expect(merge.body.metadata.labels).toEqual({ b: '2', c: '3' });

    const json = await api(hub, 'PATCH', `${PODS}/patch-1`, {
      body: [
        { op: 'add', path: '/metadata/annotations', value: { note: 'x' } },
        { op: 'replace', path: '/metadata/labels/b', value: 'two' },
      ],
      contentType: 'application/json-patch+json',
    });
    expect(json.body.metadata.annotations).toEqual({ note: 'x' });
    expect(json.body.metadata.labels.b).toBe('two');
    const missing = await api(hub, 'PATCH', `${PODS}/patch-1`, {
      body: [{ op: 'replace', path: '/metadata/nothing/here', value: 1 }],
      contentType: 'application/json-patch+json',
    });
    expect([missing.status, missing.body.kind]).toEqual([422, 'Status']);

    const deployments = '/apis/apps/v1/namespaces/default/deployments';
    const deployment = deploymentManifest('smp-1');
    deployment.spec.template.spec.containers = [
      {
        name: 'app',
        image: 'localhost/edge-test/httpd:1',
        // @ts-expect-error extra fields on a loosely typed manifest
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'side', image: 'localhost/edge-test/busybox:1' },
    ];
    expect((await api(hub, 'POST', deployments, { body: deployment })).status).toBe(201);
    // What `kubectl apply` sends after removing env B and the side container and changing the image.
    const smp = await api(hub, 'PATCH', `${deployments}/smp-1?fieldManager=kubectl-client-side-apply`, {
      body: {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'app' }],
              containers: [
                {
                  name: 'app',
                  image: 'localhost/edge-test/httpd:2',
                  '$setElementOrder/env': [{ name: 'A' }],
                  env: [{ $patch: 'delete', name: 'B' }],
                },
                { $patch: 'delete', name: 'side' },
              ],
            },
          },
        },
      },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(smp.status).toBe(200);
    const containers = smp.body.spec.template.spec.containers;
    expect(containers).toHaveLength(1);
    expect(containers[0]).toMatchObject({ name: 'app', image: 'localhost/edge-test/httpd:2' });
    expect(containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(smp.body.metadata.generation).toBe(2);
  });

  it('rejects a patch carrying a stale resourceVersion with 409', async () => {
    const created = await api(hub, 'POST', PODS, { body: podManifest('patch-rv') });
    await api(hub, 'PATCH', `${PODS}/patch-rv`, {
      body: { metadata: { labels: { x: 'y' } } },
      contentType: 'application/merge-patch+json',
    });
    const stale = await api(hub, 'PATCH', `${PODS}/patch-rv`, {
      body: { metadata: { resourceVersion: created.body.metadata.resourceVersion, labels: { x: 'z' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(stale.status).toBe(409);
    expect(stale.body.reason).toBe('Conflict');
  });

  it('server-side apply creates then updates', async () => {
    const body = { ...podManifest('ssa-1', { v: '1' }) };
    const first = await api(hub, 'PATCH', `${PODS}/ssa-1?fieldManager=kubectl&force=false`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    expect(first.status).toBe(201);
    body.metadata.labels = { v: '2' };
    const second = await api(hub, 'PATCH', `${PODS}/ssa-1?fieldManager=kubectl`, {
      body,
      contentType: 'application/apply-patch+yaml',
    });
    expect(second.status).toBe(200);
    expect(second.body.metadata.labels.v).toBe('2');
  });

  it('patches the status subresource without touching the spec', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('status-1') });
    const res = await api(hub, 'PATCH', `${PODS}/status-1/status`, {
      body: { status: { phase: 'Running' }, spec: { nodeName: 'ignored' } },
      contentType: 'application/merge-patch+json',
    });
    expect(res.status).toBe(200);
    expect(res.body.status.phase).toBe('Running');
    expect(res.body.spec.nodeName).toBeUndefined();
    // ...and a main-resource patch does not change the status.
    const main = await api(hub, 'PATCH', `${PODS}/status-1`, {
      body: { status: { phase: 'Failed' } },
      contentType: 'application/merge-patch+json',
    });
    expect(main.body.status.phase).toBe('Running');
  });
});

describe('subresources', () => {
  it('serves deployments/scale as autoscaling/v1 Scale', async () => {
    const deployments = '/apis/apps/v1/namespaces/default/deployments';
    expect((await api(hub, 'POST', deployments, { body: deploymentManifest('scaled', 2) })).status).toBe(201);
    const scale = await api(hub, 'GET', `${deployments}/scaled/scale`);
    expect(scale.body).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'scaled', namespace: 'default' },
      spec: { replicas: 2 },
      status: { selector: 'app=scaled' },
    });
    const patched = await api(hub, 'PATCH', `${deployments}/scaled/scale`, {
      body: { spec: { replicas: 5 } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.body.spec.replicas).toBe(5);
    expect((await api(hub, 'GET', `${deployments}/scaled`)).body.spec.replicas).toBe(5);
    const put = await api(hub, 'PUT', `${deployments}/scaled/scale`, {
      body: { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'scaled' }, spec: { replicas: 1 } },
    });
    expect(put.body.spec.replicas).toBe(1);
    const negative = await api(hub, 'PATCH', `${deployments}/scaled/scale`, {
      body: { spec: { replicas: -1 } },
      contentType: 'application/merge-patch+json',
    });
    expect(negative.status).toBe(422);
    expect(negative.body.details.causes[0].field).toBe('spec.replicas');
  });

  it('binds a pod to a node once, and evicts it', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('bind-1') });
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-1' },
      target: { kind: 'Node', name: 'n1' },
    };
    expect((await api(hub, 'POST', `${PODS}/bind-1/binding`, { body: binding })).status).toBe(201);
    expect((await api(hub, 'GET', `${PODS}/bind-1`)).body.spec.nodeName).toBe('n1');
    const again = await api(hub, 'POST', `${PODS}/bind-1/binding`, { body: binding });
    expect(again.status).toBe(409);
    expect(again.body.message).toBe('pod bind-1 is already assigned to node "n1"');

    const eviction = {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: 'bind-1' },
      deleteOptions: { gracePeriodSeconds: 0 },
    };
    expect((await api(hub, 'POST', `${PODS}/bind-1/eviction`, { body: eviction })).status).toBe(201);
    expect((await api(hub, 'GET', `${PODS}/bind-1`)).status).toBe(404);
  });

  it('answers logs and exec with 503 when no node relay runs', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('relay-1') });
    const binding = {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'relay-1' },
      target: { kind: 'Node', name: 'n1' },
    };
    await api(hub, 'POST', `${PODS}/relay-1/binding`, { body: binding });
    const logs = await api(hub, 'GET', `${PODS}/relay-1/log?container=app`);
    expect(logs.status).toBe(503);
    expect(logs.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    const unscheduled = await api(hub, 'POST', PODS, { body: podManifest('relay-2') });
    expect(unscheduled.status).toBe(201);
    const noHost = await api(hub, 'GET', `${PODS}/relay-2/log`);
    expect(noHost.status).toBe(400);
    expect(noHost.body.message).toBe('pod relay-2 does not have a host assigned');
  });
});

describe('compression', () => {
  it('gzips large replies for clients that accept it', async () => {
    const pod = podManifest('gzip-1', { suite: 'gzip' });
    // @ts-expect-error annotations on a loosely typed manifest
    pod.metadata.annotations = { blob: 'y'.repeat(200 * 1024) };
    expect((await api(hub, 'POST', PODS, { body: pod })).status).toBe(201);
    const plain = await api(hub, 'GET', `${PODS}?labelSelector=suite%3Dgzip`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await rawGet(`${PODS}?labelSelector=suite%3Dgzip`, { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.length).toBeLessThan(plain.text.length / 10);
    expect(JSON.parse(gunzipSync(zipped.body).toString()).items[0].metadata.annotations.blob).toHaveLength(200 * 1024);
  });
});

describe('error shapes', () => {
  it('404 NotFound with details', async () => {
    const res = await api(hub, 'GET', `${PODS}/nope`);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'pods "nope" not found',
      reason: 'NotFound',
      details: { name: 'nope', kind: 'pods' },
      code: 404,
    });
    const dep = await api(hub, 'GET', '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(dep.body.message).toBe('deployments.apps "nope" not found');
    const unknown = await api(hub, 'GET', '/api/v1/widgets');
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('the server could not find the requested resource');
  });

  it('409 AlreadyExists', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('dup-1') });
    const res = await api(hub, 'POST', PODS, { body: podManifest('dup-1') });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ reason: 'AlreadyExists', message: 'pods "dup-1" already exists' });
  });

  it('422 Invalid with causes', async () => {
    const res = await api(hub, 'POST', PODS, { body: podManifest('Bad_Name') });
    expect(res.status).toBe(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.details.kind).toBe('Pod');
    expect(res.body.details.causes[0].field).toBe('metadata.name');
  });

  it('400 for malformed JSON and YAML, mismatched names and namespaces', async () => {
    const json = await api(hub, 'POST', PODS, { raw: '{"kind": "Pod", ' });
    expect([json.status, json.body.reason]).toEqual([400, 'BadRequest']);
    const yaml = await api(hub, 'POST', PODS, { raw: 'a: [1, 2\n', contentType: 'application/yaml' });
    expect([yaml.status, yaml.body.reason]).toEqual([400, 'BadRequest']);
    const ns = await api(hub, 'POST', PODS, {
      body: { ...podManifest('wrong-ns'), metadata: { name: 'x', namespace: 'other' } },
    });
    expect(ns.status).toBe(400);
    const kind = await api(hub, 'POST', PODS, { body: { ...podManifest('k'), kind: 'Service' } });
    expect(kind.status).toBe(400);
    const name = await api(hub, 'PUT', `${PODS}/dup-1`, { body: podManifest('other-name') });
    expect(name.status).toBe(400);
    expect(name.body.message).toBe('the name of the object (other-name) does not match the name on the URL (dup-1)');
  });

  it('fieldValidation: unknown top-level and metadata fields warn by default and fail with Strict', async () => {
    const typo = { ...podManifest('typo-1'), metadata: { name: 'typo-1', lables: { a: 'b' } }, extra: 1 };
    const strict = await api(hub, 'POST', `${PODS}?fieldValidation=Strict`, { body: typo });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "extra", unknown field "metadata.lables"',
    );
    const warned = await api(hub, 'POST', PODS, { body: typo });
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe(
      '299 - "unknown field \\"extra\\"", 299 - "unknown field \\"metadata.lables\\""',
    );
    const patched = await api(hub, 'PATCH', `${PODS}/typo-1?fieldValidation=Strict`, {
      body: { metadata: { anotations: { x: 'y' } } },
      contentType: 'application/merge-patch+json',
    });
    expect(patched.status).toBe(400);
    expect(patched.body.message).toContain('unknown field "metadata.anotations"');
    const ignored = await api(hub, 'POST', `${PODS}?fieldValidation=Ignore`, {
      body: { ...typo, metadata: { name: 'typo-2' } },
    });
    expect([ignored.status, ignored.headers.warning]).toEqual([201, undefined]);
    expect((await api(hub, 'POST', `${PODS}?fieldValidation=Loose`, { body: podManifest('typo-3') })).status).toBe(400);
  });

  it('413 for bodies over 3 MiB', async () => {
    const big = podManifest('big-1');
    // @ts-expect-error annotations on a loosely typed manifest
    big.metadata.annotations = { blob: 'x'.repeat(3 * 1024 * 1024) };
    const res = await api(hub, 'POST', PODS, { body: big });
    expect(res.status).toBe(413);
    expect(res.body.reason).toBe('RequestEntityTooLarge');
    const chunked = await api(hub, 'POST', PODS, { body: big, chunked: true }).catch((e: Error) => e);
    // The hub answers 413 as soon as the limit is passed; the client may see the reset first.
    if (!(chunked instanceof Error)) expect(chunked.status).toBe(413);
    expect((await api(hub, 'GET', `${PODS}/big-1`)).status).toBe(404);
    expect((await api(hub, 'GET', '/healthz')).status).toBe(200);
  });

  it('405 for unsupported methods and 415 for unknown media types', async () => {
    expect((await api(hub, 'PUT', PODS, { body: {} })).status).toBe(405);
    expect((await api(hub, 'POST', '/version', { body: {} })).status).toBe(405);
    const proto = await api(hub, 'POST', PODS, { raw: 'k8s\0', contentType: 'application/vnd.kubernetes.protobuf' });
    expect(proto.status).toBe(415);
    expect(proto.body.reason).toBe('UnsupportedMediaType');
    const yamlPatch = await api(hub, 'POST', PODS, { raw: '{}', contentType: 'text/csv' });
    expect(yamlPatch.status).toBe(415);
    const patch = await api(hub, 'PATCH', `${PODS}/dup-1`, { body: {}, contentType: 'text/plain' });
    expect(patch.status).toBe(415);
  });

  it('never crashes on garbage (fuzzed bodies, paths and patches)', async () => {
    const bodies = [
      '',
      'null',
      '[]',
      '"x"',
      '{"metadata": 5}',
      '{"metadata": {"name": {}}}',
      '{"__proto__": {"x": 1}}',
      '\u0000\u0001',
      '{"spec": null}',
      '1e309',
    ];
    const types = [
      'application/json',
      'application/yaml',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const paths = [
      PODS,
      `${PODS}/dup-1`,
      `${PODS}/dup-1/status`,
      `${PODS}/%zz`,
      '/api/v1/namespaces/%2F/pods',
      '/apis/apps/v1/namespaces/default/deployments/scaled/scale',
      '/api/v1/watch/pods?resourceVersion=abc',
    ];
    for (let i = 0; i < 120; i++) {
      const method = ['POST', 'PUT', 'PATCH', 'DELETE', 'GET'][Math.floor(random() * 5)];
      const path = paths[Math.floor(random() * paths.length)];
      const raw = bodies[Math.floor(random() * bodies.length)];
      const contentType = types[Math.floor(random() * types.length)];
      const res = await api(hub, method, path, { raw, contentType });
      expect(res.status, `${method} ${path} ${contentType} ${JSON.stringify(raw)} → ${res.text}`).toBeLessThan(500);
      if (res.status >= 400) expect(res.body.kind).toBe('Status');
    }
    expect((await api(hub, 'GET', '/healthz')).status).toBe(200);
  });
});
