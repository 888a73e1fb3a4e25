/**
 * The MQTT control-plane protocol between the hub and its agents (docs/protocol.md): topic names,
 * payload shapes and their validation. Pure (no I/O) so both ends share one definition.
 *
 * Every topic of a node lives under `peapod/v1/<username>/…` where the username is `node.<name>`
 * (no `:` — Mosquitto password files cannot hold it),
 * so a broker ACL can grant a node its own subtree with a single `%u` pattern.
 */
import type { ServiceTable } from './service-table.js';
import type { NodeAddress, NodeSystemInfo, Pod, PodStatus, ResourceList, Status, Taint } from './types.js';

export const PROTOCOL_VERSION = 1;
export const TOPIC_ROOT = 'peapod/v1';
/** Largest payload either side accepts; bigger messages are dropped and logged. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Largest data chunk in a streamed proxy response (logs, exec output). */
export const MAX_CHUNK_BYTES = 32 * 1024;
export const HUB_USERNAME = 'hub';
export const JOIN_USERNAME = 'join';

export function nodeUsername(nodeName: string): string {
  return `node.${nodeName}`;
}

/** The node name of a `node.<name>` username, or undefined for any other identity. */
export function nodeNameOfUsername(username: string | undefined): string | undefined {
  if (!username?.startsWith('node.')) return undefined;
  const name = username.slice(5);
  return isValidNodeName(name) ? name : undefined;
}

/** DNS-1123 subdomain (Kubernetes node names); also guarantees no MQTT wildcard or separator. */
export function isValidNodeName(name: string): boolean {
  return (
    name.length > 0 &&
    name.length <= 253 &&
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
  );
}

const nodeRoot = (nodeName: string) => `${TOPIC_ROOT}/${nodeUsername(nodeName)}`;

export const topics = {
  nodeRoot,
  /** hub → agent, retained, QoS 1: the list of desired pods (uid + hash). */
  desiredIndex: (node: string) => `${nodeRoot(node)}/desired/index`,
  /** hub → agent, retained, QoS 1: one desired pod; an empty retained payload clears it. */
  desiredPod: (node: string, uid: string) => `${nodeRoot(node)}/desired/pods/${uid}`,
  desiredAll: (node: string) => `${nodeRoot(node)}/desired/#`,
  /** agent → hub, QoS 1: registration and node status posts (on change, on request, every 5 min). */
  nodeStatus: (node: string) => `${nodeRoot(node)}/status/node`,
  /**
   * agent → hub, QoS 0, empty payload: the node's lease renewal (every 10 s by default). Short on
   * purpose: it is most of an idle node's traffic, and it keeps the MQTT keepalive satisfied.
   */
  lease: (node: string) => `${nodeRoot(node)}/lease`,
  /** agent → hub, QoS 1: pod status updates. */
  podStatus: (node: string) => `${nodeRoot(node)}/status/pods`,
  /** agent → hub, QoS 1: pods whose containers are gone (finishes graceful deletion). */
  podRemoved: (node: string) => `${nodeRoot(node)}/status/removed`,
  /** agent → hub, QoS 1: kubelet-style pod events (Pulled, Started, BackOff, Unhealthy …). */
  podEvents: (node: string) => `${nodeRoot(node)}/status/events`,
  /** broker → hub (the agent's Last Will), QoS 1. */
  will: (node: string) => `${nodeRoot(node)}/status/will`,
  /** hub → agent, QoS 1: logs / exec / metrics requests and their control messages. */
  requests: (node: string) => `${nodeRoot(node)}/requests`,
  /** agent → hub, QoS 1: chunked responses of request `id`. */
  response: (node: string, id: string) => `${nodeRoot(node)}/responses/${id}`,
  joinRequest: (clientId: string) => `${TOPIC_ROOT}/join/${clientId}/request`,
  joinResponse: (clientId: string) => `${TOPIC_ROOT}/join/${clientId}/response`,
  /** Hub-side subscriptions. */
  hubStatusAll: `${TOPIC_ROOT}/+/status/#`,
  hubLeaseAll: `${TOPIC_ROOT}/+/lease`,
  hubResponsesAll: `${TOPIC_ROOT}/+/responses/#`,
  hubJoinAll: `${TOPIC_ROOT}/join/+/request`,
  hubDesiredAll: `${TOPIC_ROOT}/+/desired/#`,
  /** hub → every agent, retained, QoS 1: the fleet's Service table (docs/services.md). */
  fleetServices: `${TOPIC_ROOT}/fleet/services`,
} as const;

export type NodeTopicKind =
  | 'desired-index'
  | 'desired-pod'
  | 'node-status'
  | 'lease'
  | 'pod-status'
  | 'pod-removed'
  | 'pod-events'
  | 'will'
  | 'requests'
  | 'response';

export interface ParsedTopic {
  node: string;
  kind: NodeTopicKind;
  /** pod uid (desired-pod) or request id (response). */
  id?: string;
}

/** Parses a node topic; undefined for anything that is not exactly one of the protocol's topics. */
export function parseNodeTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length < 4 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return undefined;
  const node = nodeNameOfUsername(parts[2]);
  if (!node) return undefined;
  const rest = parts.slice(3).join('/');
  switch (rest) {
    case 'desired/index':
      return { node, kind: 'desired-index' };
    case 'status/node':
      return { node, kind: 'node-status' };
    case 'lease':
      return { node, kind: 'lease' };
    case 'status/pods':
      return { node, kind: 'pod-status' };
    case 'status/removed':
      return { node, kind: 'pod-removed' };
    case 'status/events':
      return { node, kind: 'pod-events' };
    case 'status/will':
      return { node, kind: 'will' };
    case 'requests':
      return { node, kind: 'requests' };
  }
  if (parts.length === 6 && parts[3] === 'desired' && parts[4] === 'pods' && isSafeId(parts[5]))
    return { node, kind: 'desired-pod', id: parts[5] };
  if (parts.length === 5 && parts[3] === 'responses' && isSafeId(parts[4]))
    return { node, kind: 'response', id: parts[4] };
  return undefined;
}

/** Identifiers used as a topic level: uids, request ids, client ids. */
export function isSafeId(id: string): boolean {
  return /^[A-Za-z0-9._:-]{1,128}$/.test(id);
}

// ---------------------------------------------------------------------------------------------
// Payloads

export interface DesiredIndexEntry {
  uid: string;
  namespace: string;
  name: string;
  hash: string;
}

export interface DesiredIndex {
  v: number;
  node: string;
  /** Store resourceVersion the index was computed at (informational, monotonic per hub store). */
  revision: string;
  pods: DesiredIndexEntry[];
}

export interface DesiredPod {
  v: number;
  uid: string;
  hash: string;
  /** The pod's resourceVersion when published: an agent ignores a message older than the one it has. */
  revision: string;
  /** Metadata and spec only (status never travels down). */
  pod: Pod;
}

/** A condition as the device computes it; the hub stamps heartbeat/transition times. */
export interface DeviceCondition {
  type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface NodeUsage {
  cpuMilli: number;
  memoryBytes: number;
}

export interface NodeReport {
  v: number;
  /**
   * `register` carries everything (sent on every connect); `status` carries the conditions plus
   * what changed (a full one answers the hub's `node-status` request). `heartbeat` is the name older
   * agents use for `status` (they post it every 10 s, without leases); the hub treats both alike.
   */
  type: 'register' | 'status' | 'heartbeat';
  /** Random per agent process. */
  instance: string;
  /** Connection counter within the instance (matches the Last Will). */
  connection: number;
  /** Agent clock (ms since epoch) when sent: the hub derives the clock offset from it. */
  sentAt: number;
  profile?: string;
  labels?: Record<string, string>;
  /** Only honoured when the Node is created (like kubelet --register-with-taints). */
  taints?: Taint[];
  capacity?: ResourceList;
  allocatable?: ResourceList;
  nodeInfo?: NodeSystemInfo;
  addresses?: NodeAddress[];
  conditions?: DeviceCondition[];
  usage?: NodeUsage;
}

export interface PodStatusEntry {
  namespace: string;
  name: string;
  uid: string;
  status: PodStatus;
  /** Monotonic per agent process; with `observedAt` lets the hub drop stale reports. */
  sequence: number;
  /** Agent clock, informational only (hub fields use hub time). */
  observedAt: string;
}

export interface PodStatusReport {
  v: number;
  instance: string;
  updates: PodStatusEntry[];
}

export interface PodRemovedReport {
  v: number;
  pods: { namespace: string; name: string; uid: string }[];
}

export interface PodEventsReport {
  v: number;
  events: {
    namespace: string;
    name: string;
    uid: string;
    type: 'Normal' | 'Warning';
    reason: string;
    message: string;
    fieldPath?: string;
  }[];
}

export interface WillMessage {
  v: number;
  instance: string;
  connection: number;
}

export type ProxyRequest =
  | {
      v: number;
      id: string;
      kind: 'logs';
      pod: { namespace: string; name: string; uid: string };
      container: string;
      follow?: boolean;
      previous?: boolean;
      tailLines?: number;
      sinceSeconds?: number;
      timestamps?: boolean;
      limitBytes?: number;
    }
  | {
      v: number;
      id: string;
      kind: 'exec';
      pod: { namespace: string; name: string; uid: string };
      container: string;
      command: string[];
      /** Interactive session: input follows as `stdin` / `close-stdin` / `resize` with the same id. */
      stdin?: boolean;
      tty?: boolean;
    }
  | { v: number; id: string; kind: 'metrics' }
  /** A fresh CPU/memory reading of the device (`kubectl top nodes`). */
  | { v: number; id: string; kind: 'node-usage' }
  /** Post a full node status now (the hub marked the node Unknown but its lease is being renewed). */
  | { v: number; id: string; kind: 'node-status' }
  | { v: number; id: string; kind: 'cancel' }
  /** base64 input for the exec session `id`. */
  | { v: number; id: string; kind: 'stdin'; data: string }
  | { v: number; id: string; kind: 'close-stdin' }
  | { v: number; id: string; kind: 'resize'; cols: number; rows: number };

export interface ProxyResponse {
  v: number;
  id: string;
  /** 0, 1, 2 … per request, so the hub can detect gaps. */
  seq: number;
  /** `started`: an interactive exec session is open (input may follow). */
  type: 'data' | 'stdout' | 'stderr' | 'end' | 'error' | 'metrics' | 'node-usage' | 'started';
  /** base64 data for data/stdout/stderr. */
  data?: string;
  exitCode?: number;
  error?: string;
  /** With `error`: the Kubernetes Status the agent failed with (e.g. 404 for an unknown container). */
  status?: Status;
  metrics?: {
    namespace: string;
    name: string;
    containers: { name: string; cpuMilli: number; memoryBytes: number }[];
  }[];
  /** With `node-usage`: the device's whole-machine usage now. */
  usage?: NodeUsage;
}

export interface JoinRequest {
  v: number;
  nodeName: string;
}

export interface JoinResponse {
  v: number;
  ok: boolean;
  username?: string;
  password?: string;
  error?: string;
}

// ---------------------------------------------------------------------------------------------
// Validation: every decoder returns the payload or throws ProtocolError with a short reason.

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

type Json = Record<string, unknown>;

function fail(what: string): never {
  throw new ProtocolError(what);
}

/**
 * Compares two store resourceVersions: numeric ones (Peapod's SQLite counter) by value; anything
 * else is treated as incomparable (0), so it is never mistaken for older.
 */
export function compareRevisions(a: string, b: string): number {
  if (!/^\d+$/.test(a) || !/^\d+$/.test(b)) return 0;
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Parses JSON with the size limit; the result is an object or ProtocolError is thrown. */
export function decodeJson(payload: Buffer | string, limit = MAX_PAYLOAD_BYTES): Json {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size > limit) fail(`payload of ${size} bytes exceeds the limit of ${limit}`);
  let value: unknown;
  try {
    value = JSON.parse(payload.toString());
  } catch {
    fail('payload is not valid JSON');
  }
  if (!isObject(value)) fail('payload is not a JSON object');
  if (value.v !== PROTOCOL_VERSION) fail(`unsupported protocol version ${String(value.v)}`);
  return value;
}

export function encode(payload: object): Buffer {
  return Buffer.from(JSON.stringify(payload));
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Json, key: string, optional = false): string | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') fail(`${key} must be a string`);
  return v;
}

function num(o: Json, key: string, optional = false): number | undefined {
  const v = o[key];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${key} must be a number`);
  return v;
}

function stringMap(v: unknown, key: string): Record<string, string> {
  if (!isObject(v)) fail(`${key} must be an object`);
  for (const [k, val] of Object.entries(v)) if (typeof val !== 'string') fail(`${key}.${k} must be a string`);
  return v as Record<string, string>;
}

function arrayOf<T>(v: unknown, key: string, check: (item: unknown) => T): T[] {
  if (!Array.isArray(v)) fail(`${key} must be an array`);
  return v.map(check);
}

const CONDITION_TYPES = new Set(['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']);
const CONDITION_STATUSES = new Set(['True', 'False', 'Unknown']);
const TAINT_EFFECTS = new Set(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const ADDRESS_TYPES = new Set(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS']);

export function decodeNodeReport(payload: Buffer | string): NodeReport {
  const o = decodeJson(payload);
  if (o.type !== 'register' && o.type !== 'status' && o.type !== 'heartbeat')
    fail('type must be register, status or heartbeat');
  str(o, 'instance');
  num(o, 'connection');
  num(o, 'sentAt');
  str(o, 'profile', true);
  if (o.labels !== undefined) stringMap(o.labels, 'labels');
  if (o.capacity !== undefined) stringMap(o.capacity, 'capacity');
  if (o.allocatable !== undefined) stringMap(o.allocatable, 'allocatable');
  if (o.nodeInfo !== undefined) stringMap(o.nodeInfo, 'nodeInfo');
  if (o.taints !== undefined)
    arrayOf(o.taints, 'taints', (t) => {
      if (!isObject(t) || typeof t.key !== 'string' || !TAINT_EFFECTS.has(t.effect as string)) fail('invalid taint');
      if (t.value !== undefined && typeof t.value !== 'string') fail('invalid taint value');
      return t;
    });
  if (o.addresses !== undefined)
    arrayOf(o.addresses, 'addresses', (a) => {
      if (!isObject(a) || !ADDRESS_TYPES.has(a.type as string) || typeof a.address !== 'string')
        fail('invalid address');
      return a;
    });
  if (o.conditions !== undefined)
    arrayOf(o.conditions, 'conditions', (c) => {
      if (
        !isObject(c) ||
        !CONDITION_TYPES.has(c.type as string) ||
        !CONDITION_STATUSES.has(c.status as string) ||
        typeof c.reason !== 'string' ||
        typeof c.message !== 'string'
      )
        fail('invalid condition');
      return c;
    });
  if (o.usage !== undefined) {
    if (!isObject(o.usage)) fail('usage must be an object');
    num(o.usage, 'cpuMilli');
    num(o.usage, 'memoryBytes');
  }
  return o as unknown as NodeReport;
}

function podRef(v: unknown, key: string): { namespace: string; name: string; uid: string } {
  if (!isObject(v)) fail(`${key} must be an object`);
  str(v, 'namespace');
  str(v, 'name');
  str(v, 'uid');
  return v as { namespace: string; name: string; uid: string };
}

export function decodePodStatusReport(payload: Buffer | string): PodStatusReport {
  const o = decodeJson(payload);
  str(o, 'instance');
  arrayOf(o.updates, 'updates', (u) => {
    podRef(u, 'update');
    const e = u as Json;
    num(e, 'sequence');
    str(e, 'observedAt');
    if (!isObject(e.status)) fail('status must be an object');
    return u;
  });
  return o as unknown as PodStatusReport;
}

export function decodePodRemovedReport(payload: Buffer | string): PodRemovedReport {
  const o = decodeJson(payload);
  arrayOf(o.pods, 'pods', (p) => podRef(p, 'pod'));
  return o as unknown as PodRemovedReport;
}

/** At most 100 events per message, each reason ≤ 128 and message ≤ 1024 characters. */
export function decodePodEventsReport(payload: Buffer | string): PodEventsReport {
  const o = decodeJson(payload);
  const events = arrayOf(o.events, 'events', (e) => podRef(e, 'event'));
  if (events.length > 100) fail('at most 100 events per message');
  for (const e of events as unknown as Json[]) {
    if (e.type !== 'Normal' && e.type !== 'Warning') fail('event type must be Normal or Warning');
    const reason = str(e, 'reason') as string;
    const message = str(e, 'message') as string;
    str(e, 'fieldPath', true);
    if (reason.length > 128 || message.length > 1024) fail('event reason or message too long');
  }
  return o as unknown as PodEventsReport;
}

/** A lease renewal carries nothing: its topic names the node, its arrival is the news. */
export function decodeLease(payload: Buffer | string): void {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  if (size !== 0) fail(`lease payload must be empty (got ${size} bytes)`);
}

export function decodeWill(payload: Buffer | string): WillMessage {
  const o = decodeJson(payload);
  str(o, 'instance');
  num(o, 'connection');
  return o as unknown as WillMessage;
}

export function decodeDesiredIndex(payload: Buffer | string): DesiredIndex {
  const o = decodeJson(payload);
  str(o, 'node');
  str(o, 'revision');
  arrayOf(o.pods, 'pods', (p) => {
    podRef(p, 'pod');
    str(p as Json, 'hash');
    return p;
  });
  return o as unknown as DesiredIndex;
}

export function decodeDesiredPod(payload: Buffer | string): DesiredPod {
  const o = decodeJson(payload);
  str(o, 'uid');
  str(o, 'hash');
  str(o, 'revision');
  if (!isObject(o.pod) || !isObject(o.pod.metadata) || !isObject(o.pod.spec)) fail('pod must have metadata and spec');
  return o as unknown as DesiredPod;
}

export function decodeProxyRequest(payload: Buffer | string): ProxyRequest {
  const o = decodeJson(payload);
  const id = str(o, 'id')!;
  if (!isSafeId(id)) fail('invalid request id');
  switch (o.kind) {
    case 'logs':
      podRef(o.pod, 'pod');
      str(o, 'container');
      return o as unknown as ProxyRequest;
    case 'exec':
      podRef(o.pod, 'pod');
      str(o, 'container');
      arrayOf(o.command, 'command', (c) => (typeof c === 'string' ? c : fail('command must be strings')));
      return o as unknown as ProxyRequest;
    case 'stdin':
      str(o, 'data');
      return o as unknown as ProxyRequest;
    case 'resize':
      num(o, 'cols');
      num(o, 'rows');
      return o as unknown as ProxyRequest;
    case 'metrics':
    case 'node-status':
    case 'node-usage':
    case 'cancel':
    case 'close-stdin':
      return o as unknown as ProxyRequest;
    default:
      fail('unknown request kind');
  }
}

export function decodeProxyResponse(payload: Buffer | string): ProxyResponse {
  const o = decodeJson(payload);
  str(o, 'id');
  num(o, 'seq');
  if (!['data', 'stdout', 'stderr', 'end', 'error', 'metrics', 'node-usage', 'started'].includes(o.type as string))
    fail('invalid type');
  str(o, 'data', true);
  num(o, 'exitCode', true);
  str(o, 'error', true);
  if (
    o.status !== undefined &&
    (!isObject(o.status) || typeof o.status.code !== 'number' || typeof o.status.message !== 'string')
  )
    fail('status must be a Kubernetes Status');
  if (o.metrics !== undefined) arrayOf(o.metrics, 'metrics', (m) => m);
  if (o.usage !== undefined) {
    if (!isObject(o.usage)) fail('usage must be an object');
    num(o.usage, 'cpuMilli');
    num(o.usage, 'memoryBytes');
  }
  return o as unknown as ProxyResponse;
}

/** The Service table the hub publishes on `topics.fleetServices` (see core/src/service-table.ts). */
export function decodeServiceTable(payload: Buffer | string): ServiceTable {
  const o = decodeJson(payload);
  str(o, 'version');
  const services = arrayOf(o.services, 'services', (s) => s);
  for (const s of services) {
    if (!isObject(s)) fail('services[] must be objects');
    str(s, 'namespace');
    str(s, 'name');
    if (typeof s.port !== 'number') fail('services[].port must be a number');
    if (s.nodePort !== undefined && typeof s.nodePort !== 'number') fail('services[].nodePort must be a number');
    for (const e of arrayOf(s.endpoints, 'endpoints', (x) => x)) {
      if (!isObject(e) || typeof e.ip !== 'string' || typeof e.port !== 'number' || typeof e.nodeAddress !== 'string')
        fail('services[].endpoints[] must have ip, port and nodeAddress');
    }
  }
  return o as unknown as ServiceTable;
}

export function decodeJoinRequest(payload: Buffer | string): JoinRequest {
  const o = decodeJson(payload, 4096);
  const name = str(o, 'nodeName')!;
  if (!isValidNodeName(name)) fail(`invalid node name "${name}"`);
  return o as unknown as JoinRequest;
}

export function decodeJoinResponse(payload: Buffer | string): JoinResponse {
  const o = decodeJson(payload, 4096);
  if (typeof o.ok !== 'boolean') fail('ok must be a boolean');
  str(o, 'username', true);
  str(o, 'password', true);
  str(o, 'error', true);
  return o as unknown as JoinResponse;
}

// ---------------------------------------------------------------------------------------------
// Join token: `PP10<sha256 of the hub CA certificate, hex>::<secret>` (the k3s `K10…` idea). The
// hash lets a new device pin the hub's CA on first contact; only the secret goes to the broker.

export interface JoinToken {
  caHash?: string;
  secret: string;
}

export function formatJoinToken(caHash: string, secret: string): string {
  return `PP10${caHash}::${secret}`;
}

/** A bare secret (no `PP10…::` prefix) is accepted too, for brokers with a CA the agent already trusts. */
export function parseJoinToken(token: string): JoinToken {
  const m = /^PP10([0-9a-f]{64})::(.+)$/.exec(token.trim());
  return m ? { caHash: m[1], secret: m[2] } : { secret: token.trim() };
}
