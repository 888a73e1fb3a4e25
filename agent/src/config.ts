import { hostname } from 'node:os';
import type { Taint, TaintEffect } from '@peapod/core';

/** Everything `peapod agent` can be told; see parseAgentFlags for the flag names. */
export interface AgentConfig {
  /** Broker URL: `mqtts://hub:8883` (default port), `wss://hub:8443/mqtt`; `https://hub…` means mqtts on 8883. */
  hub: string;
  /** Join token printed by the hub (needed only for the first start). */
  token?: string;
  nodeName: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** Firmware profile name; default: detected. */
  profile?: string;
  dataDir: string;
  /** CA certificate file of the broker (instead of pinning it from the token). */
  caFile?: string;
  /** Pre-provisioned broker account (external brokers): username must be `node.<name>`. */
  password?: string;
  /** File holding that password (preferred over --password: not visible in `ps`). */
  passwordFile?: string;
  nodeIP?: string;
  /** Lease renewal interval (`--lease-interval`, default: the profile's, 10 s). */
  leaseSeconds?: number;
  /** Old name of leaseSeconds (`--heartbeat-interval`), still honoured. */
  heartbeatSeconds?: number;
  /** A full node status is posted at least this often (`--node-status-report-interval`, default 5 min). */
  nodeStatusReportSeconds?: number;
  keepaliveSeconds?: number;
  runtime: 'podman' | 'docker';
  containersConf?: string;
  /** Port of this node's Service relay (docs/services.md); default 10280. */
  relayPort?: number;
  /** Install iptables rules so pods reach ClusterIPs; default true. */
  clusterIPs?: boolean;
}

export const DEFAULT_AGENT_DATA_DIR = '/var/lib/peapod-agent';
const EFFECTS: TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',').filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid label "${part}": expected key=value`);
    labels[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return labels;
}

/** `key=value:Effect` or `key:Effect`, comma-separated (kubelet --register-with-taints syntax). */
export function parseTaints(text: string): Taint[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const colon = part.lastIndexOf(':');
      const effect = part.slice(colon + 1) as TaintEffect;
      if (colon <= 0 || !EFFECTS.includes(effect))
        throw new Error(`invalid taint "${part}": expected key[=value]:${EFFECTS.join('|')}`);
      const [key, value] = part.slice(0, colon).split('=', 2);
      return value === undefined ? { key, effect } : { key, value, effect };
    });
}

/** `10`, `10s`, `2m` → seconds. */
function parseSeconds(flag: string, text: string): number {
  const m = /^(\d+)(s|m)?$/.exec(text);
  if (!m || Number(m[1]) < 1) throw new Error(`invalid ${flag} "${text}": expected seconds like 10 or 10s`);
  return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
}

/** Turns what a user types as `--hub` into a broker URL. */
export function brokerUrl(hub: string): string {
  const withScheme = /^[a-z]+:\/\//.test(hub) ? hub : `mqtts://${hub}`;
  const url = new URL(withScheme);
  if (url.protocol === 'https:' || url.protocol === 'http:') return `mqtts://${url.hostname}:8883`;
  if (url.protocol === 'mqtts:' && !url.port) url.port = '8883';
  if (url.protocol === 'wss:' && url.pathname === '/') url.pathname = '/mqtt';
  return url.toString().replace(/\/$/, '');
}

/**
 * `peapod agent --hub URL [--token T] [--name N] [--labels k=v,…] [--taints k=v:Effect,…]
 *  [--profile P] [--data-dir D] [--ca-file F] [--password-file F] [--node-ip IP]
 *  [--lease-interval 10s] [--node-status-report-interval 5m] [--keepalive 30s]
 *  [--runtime podman|docker] [--containers-conf F] [--relay-port 10280] [--cluster-ips true|false]`
 * (also `--flag=value`; `--heartbeat-interval` is the old name of `--lease-interval`). Throws Error
 * with a user-facing message on bad input.
 */
export function parseAgentFlags(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`flag --${name} needs a value`);
    values.set(name, value);
  }
  const known = [
    'hub',
    'token',
    'name',
    'labels',
    'taints',
    'profile',
    'data-dir',
    'ca-file',
    'password',
    'password-file',
    'node-ip',
    'lease-interval',
    'heartbeat-interval',
    'node-status-report-interval',
    'keepalive',
    'runtime',
    'containers-conf',
    'relay-port',
    'cluster-ips',
  ];
  for (const name of values.keys()) if (!known.includes(name)) throw new Error(`unknown flag --${name}`);
  const hub = values.get('hub') ?? env.PEAPOD_HUB;
  if (!hub) throw new Error('--hub is required (e.g. --hub mqtts://hub.local:8883)');
  const runtime = values.get('runtime') ?? 'podman';
  if (runtime !== 'podman' && runtime !== 'docker') throw new Error(`invalid --runtime "${runtime}": podman or docker`);
  const nodeName = (values.get('name') ?? env.PEAPOD_NODE_NAME ?? hostname()).toLowerCase();
  return {
    hub: brokerUrl(hub),
    token: values.get('token') ?? env.PEAPOD_TOKEN,
    nodeName,
    labels: parseLabels(values.get('labels') ?? ''),
    taints: parseTaints(values.get('taints') ?? ''),
    profile: values.get('profile'),
    dataDir: values.get('data-dir') ?? DEFAULT_AGENT_DATA_DIR,
    caFile: values.get('ca-file'),
    password: values.get('password'),
    nodeIP: values.get('node-ip'),
    leaseSeconds: values.has('lease-interval')
      ? parseSeconds('--lease-interval', values.get('lease-interval')!)
      : values.has('heartbeat-interval')
        ? parseSeconds('--heartbeat-interval', values.get('heartbeat-interval')!)
        : undefined,
    nodeStatusReportSeconds: values.has('node-status-report-interval')
      ? parseSeconds('--node-status-report-interval', values.get('node-status-report-interval')!)
      : undefined,
    keepaliveSeconds: values.has('keepalive') ? parseSeconds('--keepalive', values.get('keepalive')!) : undefined,
    runtime,
    containersConf: values.get('containers-conf') ?? env.CONTAINERS_CONF,
    passwordFile: values.get('password-file'),
    relayPort: values.has('relay-port') ? parsePort('--relay-port', values.get('relay-port')!) : undefined,
    clusterIPs: values.has('cluster-ips') ? parseBoolean('--cluster-ips', values.get('cluster-ips')!) : undefined,
  };
}

function parsePort(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`invalid ${flag} "${text}": a port 1-65535`);
  return n;
}

function parseBoolean(flag: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`invalid ${flag} "${text}": true or false`);
}
