import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { cpuToMilli, memoryToBytes, type Taint } from '@peapod/core';
import { parseMiniYaml, UnsupportedYaml } from '@peapod/core/mini-yaml';

/**
 * Device profiles: YAML files in `firmware-profiles/profiles/` (found relative to the package root,
 * so they work from `src/` under vitest and from `dist/` at runtime).
 */
export interface FirmwareProfile {
  name: string;
  description: string;
  /** Higher wins when several profiles match; generic fallbacks use 0. */
  priority: number;
  match: {
    /** Kubernetes arch names (`amd64`, `arm64`, `arm`); the profile only applies on these. */
    arch: string[];
    /** Case-insensitive regular expressions on the device-tree model; absent = arch-only match. */
    model?: string[];
  };
  /** Extra node labels (at least `node.kubernetes.io/instance-type`). */
  labels: Record<string, string>;
  /** Subtracted from capacity to give allocatable (system + agent reserved). */
  reserved: { cpu: string; memory: string };
  /**
   * How often the agent renews its lease (`leaseIntervalSeconds`; `heartbeatIntervalSeconds` is the
   * old name, still read). Default 10 s.
   */
  leaseIntervalSeconds: number;
  /** How often at most the full node status waits to be posted; default 300 s (docs/agent.md). */
  nodeStatusReportIntervalSeconds?: number;
  /** Registered with the node when it is first created. */
  taints: Taint[];
}

export interface DeviceIdentity {
  /** Device-tree or DMI model string, when the device has one. */
  model?: string;
  /** Kubernetes arch name. */
  arch: string;
  os?: string;
}

export const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));

const MODEL_FILES = ['/proc/device-tree/model', '/sys/firmware/devicetree/base/model'];

/** Kubernetes name of a Node.js `process.arch`. */
export function kubernetesArch(arch: string = process.arch): string {
  return (
    { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' }[
      arch
    ] ?? arch
  );
}

/** The device-tree model (Raspberry Pi, Jetson …), without the trailing NUL; undefined on PCs. */
export function readDeviceModel(files: string[] = MODEL_FILES): string | undefined {
  for (const file of files) {
    try {
      const model = readFileSync(file, 'utf8').replace(/\0/g, '').trim();
      if (model) return model;
    } catch {
      // not a device-tree machine
    }
  }
  return undefined;
}

function invalid(file: string, message: string): never {
  throw new Error(`firmware profile ${file}: ${message}`);
}

/**
 * The built-in profiles fit the small YAML subset of `parseMiniYaml`, so the agent does not load
 * the `yaml` package (~3 MiB RSS) to read them; a profile outside the subset uses the full parser.
 */
function parseYaml(text: string): unknown {
  try {
    return parseMiniYaml(text);
  } catch (err) {
    if (!(err instanceof UnsupportedYaml)) throw err;
    const { parse } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    return parse(text);
  }
}

/** Validates a parsed profile document. */
export function parseProfile(text: string, file = '<profile>'): FirmwareProfile {
  const doc = parseYaml(text) as Partial<FirmwareProfile> | null;
  if (!doc || typeof doc !== 'object') invalid(file, 'not a YAML mapping');
  if (typeof doc.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(doc.name)) invalid(file, 'invalid name');
  if (!doc.match || !Array.isArray(doc.match.arch) || doc.match.arch.length === 0)
    invalid(file, 'match.arch must list at least one arch');
  for (const pattern of doc.match.model ?? []) {
    try {
      new RegExp(pattern, 'i');
    } catch {
      invalid(file, `invalid model pattern ${pattern}`);
    }
  }
  if (!doc.reserved) invalid(file, 'reserved is required');
  try {
    cpuToMilli(doc.reserved.cpu);
    memoryToBytes(doc.reserved.memory);
  } catch (err) {
    invalid(file, `reserved: ${(err as Error).message}`);
  }
  const legacy = doc as { heartbeatIntervalSeconds?: unknown };
  const lease = doc.leaseIntervalSeconds ?? legacy.heartbeatIntervalSeconds ?? 10;
  if (typeof lease !== 'number' || lease < 1) invalid(file, 'leaseIntervalSeconds must be ≥ 1');
  const report = doc.nodeStatusReportIntervalSeconds;
  if (report !== undefined && (typeof report !== 'number' || report < lease))
    invalid(file, 'nodeStatusReportIntervalSeconds must be a number ≥ leaseIntervalSeconds');
  return {
    name: doc.name,
    description: doc.description ?? doc.name,
    priority: doc.priority ?? 0,
    match: { arch: doc.match.arch.map(String), model: doc.match.model },
    labels: doc.labels ?? {},
    reserved: { cpu: String(doc.reserved.cpu), memory: String(doc.reserved.memory) },
    leaseIntervalSeconds: lease,
    ...(report !== undefined ? { nodeStatusReportIntervalSeconds: report } : {}),
    taints: doc.taints ?? [],
  };
}

export function listProfiles(dir: string = PROFILES_DIR): FirmwareProfile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => parseProfile(readFileSync(`${dir}/${f}`, 'utf8'), f));
}

export function loadProfile(name: string, dir: string = PROFILES_DIR): FirmwareProfile {
  for (const ext of ['.yaml', '.yml']) {
    const file = `${dir}/${name}${ext}`;
    if (/^[a-z0-9-]+$/.test(name) && existsSync(file)) return parseProfile(readFileSync(file, 'utf8'), `${name}${ext}`);
  }
  const known = listProfiles(dir).map((p) => p.name);
  throw new Error(`unknown firmware profile "${name}" (known: ${known.join(', ')})`);
}

export function profileMatches(profile: FirmwareProfile, device: DeviceIdentity): boolean {
  if (!profile.match.arch.includes(device.arch)) return false;
  if (!profile.match.model) return true;
  return device.model !== undefined && profile.match.model.some((p) => new RegExp(p, 'i').test(device.model!));
}

/**
 * The best profile for a device: the highest-priority match (model rules beat arch-only
 * fallbacks). Without arguments it reads the model files and the process arch.
 */
export function detectProfile(
  device: DeviceIdentity = { model: readDeviceModel(), arch: kubernetesArch() },
  dir: string = PROFILES_DIR,
): FirmwareProfile {
  const candidates = listProfiles(dir)
    .filter((p) => profileMatches(p, device))
    .sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  if (candidates.length > 0) return candidates[0];
  throw new Error(
    `no firmware profile matches this device (model ${device.model ?? 'unknown'}, arch ${device.arch}); use --profile`,
  );
}

/** The node labels a profile gives a device: arch, os, instance type, profile name, extras. */
export function profileLabels(profile: FirmwareProfile, device: DeviceIdentity): Record<string, string> {
  return {
    'kubernetes.io/arch': device.arch,
    'kubernetes.io/os': device.os ?? 'linux',
    'node.kubernetes.io/instance-type': profile.name,
    ...profile.labels,
    'peapod.io/profile': profile.name,
  };
}
