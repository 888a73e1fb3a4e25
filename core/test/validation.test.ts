import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../src/defaults.js';
import { isApiError } from '../src/errors.js';
import type { KubeObject, StatusCause } from '../src/types.js';
import { assertValid, validateObject } from '../src/validation.js';

// biome-ignore lint/suspicious/noExplicitAny: test fixtures are free-form JSON
type Json = any;

const pod = (spec: Json = {}, metadata: Json = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', ...metadata },
  spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...spec },
});

const deployment = (spec: Json = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    ...spec,
  },
});

const service = (spec: Json = {}, name = 'web'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default' },
  spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...spec },
});

/** Validates after defaulting, as the API server does. */
const causes = (obj: KubeObject, old?: KubeObject): StatusCause[] =>
  validateObject(applyDefaults(structuredClone(obj)), old && applyDefaults(structuredClone(old)));
const fields = (obj: KubeObject, old?: KubeObject) => causes(obj, old).map((c) => `${c.field}: ${c.message}`);

describe('assertValid', () => {
  it('throws a 422 Invalid Status with causes, message like Kubernetes', () => {
    const bad = pod({ containers: [{ name: 'app' }] });
    let thrown: unknown;
    try {
      assertValid(bad);
    } catch (e) {
      thrown = e;
    }
    expect(isApiError(thrown)).toBe(true);
    if (!isApiError(thrown)) return;
    expect(thrown.code).toBe(422);
    expect(thrown.status.reason).toBe('Invalid');
    expect(thrown.status.message).toBe('Pod "web" is invalid: spec.containers[0].image: Required value');
    expect(thrown.status.details).toMatchObject({
      name: 'web',
      kind: 'Pod',
      causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }],
    });
  });

  it('qualifies apps kinds with the group and lists several causes in brackets', () => {
    try {
      assertValid(deployment({ replicas: -1, selector: { matchLabels: { app: 'other' } } }));
      expect.unreachable();
    } catch (e) {
      if (!isApiError(e)) throw e;
      expect(e.status.message).toMatch(/^Deployment\.apps "web" is invalid: \[spec\.replicas: Invalid value: -1: /);
      expect(e.status.details?.group).toBe('apps');
    }
  });

  it('accepts valid objects of every kind', () => {
    const objs: KubeObject[] = [
      pod(),
      deployment(),
      service(),
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'rs', namespace: 'default' },
        spec: deployment().spec,
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
      {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'edge-1.local' },
        spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] },
      },
      {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: 'web', namespace: 'default' },
        subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }],
      } as KubeObject,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'web.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
        type: 'Normal',
      } as KubeObject,
    ];
    for (const o of objs) expect(causes(o), o.kind).toEqual([]);
  });

  it('never throws on garbage input', () => {
    const garbage: Json[] = [
      { apiVersion: 'v1', kind: 'Pod', metadata: 'x', spec: 'y' },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'b' }, spec: { containers: 'x' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'b' }, spec: { containers: [null, 3] } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'a', namespace: 'b' },
        spec: { selector: 3, template: [] },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'b' }, spec: { ports: [{ port: 'x' }] } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'a' }, spec: { taints: {} }, status: { capacity: [] } },
    ];
    for (const g of garbage) {
      expect(() => validateObject(applyDefaults(g))).not.toThrow();
      expect(validateObject(g).length).toBeGreaterThan(0);
    }
  });
});

describe('metadata', () => {
  it('names per kind: subdomain for Pod, label for Namespace, DNS-1035 for Service', () => {
    expect(fields(pod({}, { name: 'Web' }))[0]).toBe(
      "metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
    expect(causes(pod({}, { name: 'a.b-c' }))).toEqual([]);
    expect(causes({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a.b' } })[0].message).toContain(
      'a lowercase RFC 1123 label must consist of',
    );
    expect(causes(service({}, '1web'))[0].message).toContain('a DNS-1035 label must consist of lower case');
    expect(causes(pod({}, { name: 'a'.repeat(254) }))[0].message).toContain('must be no more than 253 characters');
  });

  it('name or generateName is required; generateName may end with a dash', () => {
    expect(fields(pod({}, { name: undefined }))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(causes(pod({}, { name: undefined, generateName: 'web-' }))).toEqual([]);
    expect(causes(pod({}, { name: undefined, generateName: 'Web-' }))[0].field).toBe('metadata.generateName');
  });

  it('namespaced kinds need a namespace; cluster kinds must not have one', () => {
    expect(fields(pod({}, { namespace: undefined }))).toEqual(['metadata.namespace: Required value']);
    expect(fields({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', namespace: 'x' } })).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type',
    ]);
  });

  it('label keys and values (§1.3)', () => {
    const ok = { 'example.com/app': 'web', a: '', 'A_b.c-D': 'x.Y_z' };
    expect(causes(pod({}, { labels: ok }))).toEqual([]);
    for (const [k, v] of [
      ['/x', 'v'],
      ['a/b/c', 'v'],
      ['-a', 'v'],
      ['a'.repeat(64), 'v'],
      ['Bad.Prefix/a', 'v'],
      ['a', '-v'],
      ['a', 'v'.repeat(64)],
      ['a', 'has space'],
    ]) {
      const c = causes(pod({}, { labels: { [k]: v } }));
      expect(c.length, `${k}=${v}`).toBeGreaterThan(0);
      expect(c[0]).toMatchObject({ reason: 'FieldValueInvalid', field: 'metadata.labels' });
    }
    expect(causes(pod({}, { labels: { '/x': 'v' } }))[0].message).toBe(
      'Invalid value: "/x": prefix part must be non-empty',
    );
  });

  it('annotations total size ≤ 256 KiB', () => {
    expect(causes(pod({}, { annotations: { a: 'x'.repeat(262143) } }))).toEqual([]);
    expect(fields(pod({}, { annotations: { a: 'x'.repeat(262144) } }))).toEqual([
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
  });

  it('name, namespace and uid are immutable', () => {
    const old = pod({}, { uid: 'u1' });
    expect(fields(pod({}, { uid: 'u2' }), old)).toEqual(['metadata.uid: Invalid value: "u2": field is immutable']);
  });
});

describe('pods', () => {
  it('containers are required, names unique across init and app containers, DNS labels', () => {
    expect(fields(pod({ containers: [] }))).toEqual(['spec.containers: Required value']);
    expect(
      fields(
        pod({
          initContainers: [{ name: 'app', image: 'busybox:1' }],
          containers: [{ name: 'app', image: 'a:1' }, { name: 'App_1', image: 'b:1' }, { image: 'c:1' }],
        }),
      ),
    ).toEqual([
      'spec.containers[0].name: Duplicate value: "app"',
      expect.stringMatching(/^spec\.containers\[1\]\.name: Invalid value: "App_1": a lowercase RFC 1123 label/),
      'spec.containers[2].name: Required value',
    ]);
  });

  it('ports: 1–65535, IANA names, unique names, protocol values', () => {
    const c = fields(
      pod({
        containers: [
          {
            name: 'app',
            image: 'a:1',
            ports: [
              { containerPort: 0 },
              { containerPort: 65536, name: 'http' },
              { containerPort: 80, name: 'http' },
              { containerPort: 81, name: 'way-too-long-port-name' },
              { containerPort: 82, protocol: 'HTTP' },
              { containerPort: 83, hostPort: 70000 },
            ],
          },
        ],
      }),
    );
    expect(c).toEqual([
      'spec.containers[0].ports[0].containerPort: Required value',
      'spec.containers[0].ports[1].containerPort: Invalid value: 65536: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[2].name: Duplicate value: "http"',
      'spec.containers[0].ports[3].name: Invalid value: "way-too-long-port-name": must be no more than 15 characters',
      'spec.containers[0].ports[4].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      'spec.containers[0].ports[5].hostPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ]);
  });

  it('with hostNetwork, hostPort defaults to and must match containerPort', () => {
    const hostNet = (ports: Json) => pod({ hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports }] });
    expect(causes(hostNet([{ containerPort: 8080 }]))).toEqual([]);
    expect(fields(hostNet([{ containerPort: 8080, hostPort: 80 }]))).toEqual([
      'spec.containers[0].ports[0].hostPort: Invalid value: 80: must match `containerPort` when `hostNetwork` is true',
    ]);
  });

  it('probes need exactly one handler; liveness successThreshold must be 1', () => {
    const probeErrors = (probe: Json, kind = 'livenessProbe') =>
      fields(pod({ containers: [{ name: 'app', image: 'a:1', [kind]: probe }] }));
    expect(probeErrors({})).toEqual(['spec.containers[0].livenessProbe: Required value: must specify a handler type']);
    expect(probeErrors({ exec: { command: ['true'] }, httpGet: { port: 80 } })).toEqual([
      'spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type',
    ]);
    expect(probeErrors({ tcpSocket: { port: 'http' }, successThreshold: 2 })).toEqual([
      'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
    ]);
    expect(probeErrors({ tcpSocket: { port: 8080 }, successThreshold: 2 }, 'readinessProbe')).toEqual([]);
    expect(probeErrors({ httpGet: { port: 0 }, periodSeconds: -1 })).toEqual([
      'spec.containers[0].livenessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive',
      'spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('restartPolicy, dnsPolicy and imagePullPolicy values', () => {
    expect(fields(pod({ restartPolicy: 'Sometimes' }))).toEqual([
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    expect(fields(pod({ containers: [{ name: 'a', image: 'x', imagePullPolicy: 'Maybe' }] }))).toEqual([
      'spec.containers[0].imagePullPolicy: Unsupported value: "Maybe": supported values: "Always", "IfNotPresent", "Never"',
    ]);
  });

  it('resources: valid quantities and requests ≤ limits', () => {
    const res = (resources: Json) => fields(pod({ containers: [{ name: 'app', image: 'a:1', resources }] }));
    expect(res({ requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } })).toEqual([]);
    expect(res({ requests: { cpu: '2' }, limits: { cpu: '1' } })).toEqual([
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    expect(res({ limits: { memory: '12XB' } })).toContain(
      'spec.containers[0].resources.limits[memory]: Invalid value: "12XB": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'',
    );
    expect(res({ requests: { cpu: '-1' } })).toEqual([
      'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0',
    ]);
    expect(res({ requests: { gpu: '1' } })).toEqual([
      'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
  });

  it('tolerations: Exists has no value, empty key needs Exists, effect values', () => {
    expect(
      fields(
        pod({
          tolerations: [
            { key: 'k', operator: 'Exists', value: 'v' },
            { operator: 'Equal', value: 'v' },
            { key: 'k', value: 'v', effect: 'Sometimes' },
            { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
            { key: 'k', operator: 'Like' },
          ],
        }),
      ),
    ).toEqual([
      'spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'',
      'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
      'spec.tolerations[2].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      'spec.tolerations[3].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
      'spec.tolerations[4].operator: Unsupported value: "Like": supported values: "Equal", "Exists"',
    ]);
  });

  it('volume mounts must name a volume', () => {
    expect(
      fields(
        pod({
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'data', hostPath: { path: '/x' } },
          ],
          containers: [{ name: 'a', image: 'x:1', volumeMounts: [{ name: 'cache', mountPath: '/c' }] }],
        }),
      ),
    ).toEqual([
      'spec.volumes[1].name: Duplicate value: "data"',
      'spec.containers[0].volumeMounts[0].name: Not found: "cache"',
    ]);
  });

  it('update: spec immutable except images, activeDeadlineSeconds and added tolerations', () => {
    const old = pod({ activeDeadlineSeconds: 100 });
    expect(causes(pod({ activeDeadlineSeconds: 50, containers: [{ name: 'app', image: 'nginx:1.28' }] }), old)).toEqual(
      [],
    );
    expect(
      causes(
        pod({ activeDeadlineSeconds: 100, tolerations: [{ key: 'x', operator: 'Exists', effect: 'NoSchedule' }] }),
        old,
      ),
    ).toEqual([]);
    expect(fields(pod({ activeDeadlineSeconds: 200 }), old)).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value',
    ]);
    const changed = causes(pod({ activeDeadlineSeconds: 100, restartPolicy: 'Never' }), old);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ reason: 'FieldValueForbidden', field: 'spec' });
    expect(changed[0].message).toContain(
      'Forbidden: pod updates may not change fields other than `spec.containers[*].image`',
    );
    expect(changed[0].message).toContain('spec.restartPolicy');
    const tolerated = pod({ tolerations: [{ key: 'x', operator: 'Exists', effect: 'NoSchedule' }] });
    const removed = causes(pod({ tolerations: [] }), tolerated);
    expect(removed[0].message).toBe('Forbidden: existing toleration can not be modified except its tolerationSeconds');
  });
});

describe('deployments and replica sets', () => {
  it('selector required, non-empty and matching the template labels', () => {
    expect(fields(deployment({ selector: undefined }))).toEqual(['spec.selector: Required value']);
    expect(fields(deployment({ selector: {} }))).toEqual([
      'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    ]);
    expect(fields(deployment({ selector: { matchLabels: { app: 'db' } } }))).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(
      fields(
        deployment({
          selector: {
            matchExpressions: [
              { key: 'app', operator: 'In' },
              { key: 'x', operator: 'Is' },
            ],
          },
        }),
      ),
    ).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'spec.selector.matchExpressions[1].operator: Invalid value: "Is": not a valid selector operator',
    ]);
  });

  it('replicas ≥ 0, template restartPolicy Always, strategy values', () => {
    expect(fields(deployment({ replicas: -1 }))).toEqual([
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
    const d = deployment();
    (d.spec as Json).template.spec.restartPolicy = 'Never';
    expect(fields(d)).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    ]);
    expect(fields(deployment({ strategy: { type: 'Blue' } }))).toEqual([
      'spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"',
    ]);
    expect(fields(deployment({ strategy: { type: 'Recreate', rollingUpdate: {} } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(fields(deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }))).toEqual([
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
    ]);
    expect(fields(deployment({ strategy: { rollingUpdate: { maxSurge: '10', maxUnavailable: '150%' } } }))).toEqual([
      expect.stringMatching(/^spec\.strategy\.rollingUpdate\.maxSurge: Invalid value: "10": a valid percent string/),
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    ]);
  });

  it('selector is immutable on update', () => {
    const old = deployment();
    const next = deployment({
      selector: { matchLabels: { app: 'web', v: '2' } },
      template: { metadata: { labels: { app: 'web', v: '2' } }, spec: { containers: [{ name: 'a', image: 'x:1' }] } },
    });
    expect(fields(next, old)).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","v":"2"}}: field is immutable',
    ]);
    expect(causes(deployment({ replicas: 5 }), old)).toEqual([]);
  });
});

describe('services', () => {
  it('ports: range, names required when several, duplicates, targetPort and nodePort', () => {
    expect(fields(service({ ports: [] }))).toEqual(['spec.ports: Required value']);
    expect(causes(service({ clusterIP: 'None', ports: [] }))).toEqual([]);
    expect(
      fields(
        service({
          type: 'NodePort',
          ports: [
            { name: 'http', port: 80, nodePort: 30080 },
            { port: 70000, targetPort: 'Web_Port' },
            { name: 'b', port: 81, nodePort: 80 },
          ],
        }),
      ),
    ).toEqual([
      'spec.ports[1].name: Required value',
      'spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.ports[1].targetPort: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.ports[2].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
    expect(fields(service({ ports: [{ port: 80, nodePort: 30080 }] }))).toEqual([
      "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'",
    ]);
    expect(
      fields(
        service({
          ports: [
            { name: 'a', port: 80 },
            { name: 'b', port: 80 },
          ],
        }),
      ),
    ).toEqual(['spec.ports[1]: Duplicate value: {"port":80,"protocol":"TCP"}']);
  });

  it('type and clusterIP None handling', () => {
    expect(fields(service({ type: 'Magic' }))).toEqual([
      'spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"',
    ]);
    expect(fields(service({ type: 'NodePort', clusterIP: 'None' }))).toEqual([
      'spec.clusterIP: Invalid value: "None": may not be set to \'None\' for NodePort services',
    ]);
    expect(fields(service({ clusterIP: '10.0.0.300' }))[0]).toContain('must be a valid IP address');
    expect(causes(service({ clusterIP: 'fd00::10' }))).toEqual([]);
  });

  it('clusterIP is immutable once set', () => {
    const old = service({ clusterIP: '10.96.0.10' });
    expect(fields(service({ clusterIP: '10.96.0.11' }), old)).toEqual([
      'spec.clusterIP: Invalid value: "10.96.0.11": field is immutable',
    ]);
    expect(causes(service({ clusterIP: '10.96.0.10', selector: { app: 'x' } }), old)).toEqual([]);
  });
});
