/**
 * Field documentation for the kinds Peapod serves: the single source of `peapod explain` and of the
 * schemas in the hub's OpenAPI v3 documents (which `kubectl explain` reads). A subset of the
 * Kubernetes API reference, worded for Peapod.
 */

export interface FieldDoc {
  /** Go-style type as kubectl explain prints it: `string`, `[]Container`, `map[string]string`, `PodSpec`. */
  type: string;
  doc: string;
  fields?: Record<string, FieldDoc>;
}

const f = (type: string, doc: string, fields?: Record<string, FieldDoc>): FieldDoc => ({ type, doc, fields });

const META = f('ObjectMeta', 'Standard object metadata.', {
  name: f('string', 'Name must be unique within a namespace (a DNS-1123 subdomain for most kinds).'),
  namespace: f('string', 'Namespace the object lives in; empty for cluster-scoped kinds.'),
  labels: f('map[string]string', 'Key/value pairs used by selectors (Deployments, Services, -l).'),
  annotations: f('map[string]string', 'Non-identifying metadata for tools (e.g. last-applied-configuration).'),
  generateName: f('string', 'Prefix for a server-generated unique name.'),
  ownerReferences: f('[]OwnerReference', 'Objects this object depends on; used by garbage collection.'),
});

const PROBE = f('Probe', 'Periodic container check.', {
  exec: f('ExecAction', 'Runs a command in the container; exit code 0 is success.'),
  httpGet: f('HTTPGetAction', 'HTTP GET against the pod IP; 200–399 is success.'),
  tcpSocket: f('TCPSocketAction', 'TCP connect to a port.'),
  initialDelaySeconds: f('integer', 'Seconds after the container started before probes begin (default 0).'),
  periodSeconds: f('integer', 'How often to probe (default 10).'),
  timeoutSeconds: f('integer', 'Probe timeout (default 1).'),
  successThreshold: f('integer', 'Consecutive successes to be considered successful (default 1).'),
  failureThreshold: f('integer', 'Consecutive failures to be considered failed (default 3).'),
});

const CONTAINER = f('Container', 'A single application container in a pod.', {
  name: f('string', 'Name of the container (DNS-1123 label), unique within the pod. Required.'),
  image: f('string', 'Container image name, e.g. localhost/edge-test/httpd:1.'),
  imagePullPolicy: f('string', 'Always, Never or IfNotPresent (default Always for :latest, else IfNotPresent).'),
  command: f('[]string', 'Entrypoint array; replaces the image ENTRYPOINT.'),
  args: f('[]string', 'Arguments to the entrypoint; replace the image CMD.'),
  env: f('[]EnvVar', 'Environment variables (name, value or valueFrom).'),
  ports: f('[]ContainerPort', 'Ports the container exposes (containerPort, protocol, name, hostPort).'),
  resources: f('ResourceRequirements', 'CPU/memory requests and limits, e.g. limits: {cpu: 500m, memory: 64Mi}.'),
  volumeMounts: f('[]VolumeMount', 'Pod volumes to mount (name, mountPath, readOnly).'),
  livenessProbe: PROBE,
  readinessProbe: PROBE,
  startupProbe: PROBE,
});

const POD_SPEC = f('PodSpec', 'Specification of the desired behavior of the pod.', {
  containers: { ...CONTAINER, type: '[]Container', doc: 'List of containers belonging to the pod. Required.' },
  initContainers: {
    ...CONTAINER,
    type: '[]Container',
    doc: 'Containers run to completion, in order, before the app containers.',
  },
  restartPolicy: f('string', 'Always (default), OnFailure or Never.'),
  nodeName: f('string', 'Node the pod is bound to; set by the scheduler.'),
  nodeSelector: f('map[string]string', 'Node labels the pod requires.'),
  tolerations: f('[]Toleration', 'Taints the pod tolerates (key, operator, value, effect, tolerationSeconds).'),
  affinity: f('Affinity', 'Node and pod (anti-)affinity rules.'),
  volumes: f('[]Volume', 'Volumes (emptyDir, hostPath) containers can mount.'),
  terminationGracePeriodSeconds: f('integer', 'Seconds to wait after SIGTERM before SIGKILL (default 30).'),
  hostNetwork: f('boolean', 'Use the node network namespace.'),
});

const TEMPLATE = f('PodTemplateSpec', 'Pod template: metadata (labels must match the selector) and spec.', {
  metadata: META,
  spec: POD_SPEC,
});
const SELECTOR = f('LabelSelector', 'Label query over pods (matchLabels, matchExpressions). Required.');

const API_VERSION = f(
  'string',
  'APIVersion defines the versioned schema of this representation of an object (v1, apps/v1).',
);
const KIND = f('string', 'Kind is the REST resource this object represents, in CamelCase (Pod, Deployment).');

/** A top-level kind: apiVersion and kind first, like every Kubernetes object. */
const kind = (type: string, doc: string, fields: Record<string, FieldDoc>): FieldDoc =>
  f(type, doc, { apiVersion: API_VERSION, kind: KIND, ...fields });

export const KIND_FIELD_DOCS: Record<string, FieldDoc> = {
  Pod: kind('Pod', 'Pod is a collection of containers that can run on a host.', {
    metadata: META,
    spec: POD_SPEC,
    status: f('PodStatus', 'Most recently observed status (phase, conditions, containerStatuses, podIP).'),
  }),
  Deployment: kind('Deployment', 'Deployment enables declarative updates for Pods and ReplicaSets.', {
    metadata: META,
    spec: f('DeploymentSpec', 'Desired behavior of the Deployment.', {
      replicas: f('integer', 'Number of desired pods (default 1).'),
      selector: SELECTOR,
      template: TEMPLATE,
      strategy: f('DeploymentStrategy', 'RollingUpdate (maxSurge/maxUnavailable, default 25%) or Recreate.'),
      minReadySeconds: f('integer', 'Seconds a new pod must be ready to count as available (default 0).'),
      revisionHistoryLimit: f('integer', 'Old ReplicaSets kept for rollback (default 10).'),
      progressDeadlineSeconds: f('integer', 'Seconds before a stalled rollout is reported failed (default 600).'),
      paused: f('boolean', 'Paused deployments are not rolled out.'),
    }),
    status: f('DeploymentStatus', 'replicas, updatedReplicas, readyReplicas, availableReplicas, conditions.'),
  }),
  ReplicaSet: kind('ReplicaSet', 'ReplicaSet ensures a number of pod replicas are running.', {
    metadata: META,
    spec: f('ReplicaSetSpec', 'Desired behavior.', {
      replicas: f('integer', 'Desired pods (default 1).'),
      selector: SELECTOR,
      template: TEMPLATE,
    }),
    status: f('ReplicaSetStatus', 'replicas, readyReplicas, availableReplicas.'),
  }),
  Service: kind('Service', 'A named abstraction of a set of pods with a stable virtual IP.', {
    metadata: META,
    spec: f('ServiceSpec', 'Behavior of the service.', {
      type: f('string', 'ClusterIP (default), NodePort, LoadBalancer or ExternalName.'),
      selector: f('map[string]string', 'Pods with these labels receive the traffic.'),
      ports: f('[]ServicePort', 'port, targetPort (default = port), protocol (default TCP), nodePort (30000–32767).'),
      clusterIP: f('string', 'Virtual IP; "None" makes a headless service.'),
      sessionAffinity: f('string', 'None (default) or ClientIP.'),
    }),
  }),
  Node: kind('Node', 'A device running the Peapod agent.', {
    metadata: META,
    spec: f('NodeSpec', 'Node spec.', {
      unschedulable: f('boolean', 'Set by cordon.'),
      taints: f('[]Taint', 'key, value, effect (NoSchedule, PreferNoSchedule, NoExecute).'),
    }),
    status: f('NodeStatus', 'capacity, allocatable, conditions, addresses, nodeInfo.'),
  }),
  Namespace: kind('Namespace', 'A scope for names.', {
    metadata: META,
    status: f('NamespaceStatus', 'phase: Active or Terminating.'),
  }),
  Endpoints: kind('Endpoints', 'Addresses of the ready/not-ready pods behind a service.', {
    metadata: META,
    subsets: f('[]EndpointSubset', 'addresses, notReadyAddresses, ports.'),
  }),
  Event: kind('Event', 'A report of something that happened.', {
    metadata: META,
    involvedObject: f('ObjectReference', 'The object the event is about.'),
    reason: f('string', 'Short UpperCamelCase reason.'),
    message: f('string', 'Human-readable description.'),
    type: f('string', 'Normal or Warning.'),
  }),
};
