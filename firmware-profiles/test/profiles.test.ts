import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMiniYaml } from '@peapod/core/mini-yaml';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  detectProfile,
  kubernetesArch,
  listProfiles,
  loadProfile,
  PROFILES_DIR,
  parseProfile,
  profileLabels,
  readDeviceModel,
} from '../src/index.js';

describe('firmware profiles', () => {
  it('ships the required profiles, all valid', () => {
    const names = listProfiles().map((p) => p.name);
    for (const required of [
      'raspberry-pi-zero-2-w',
      'raspberry-pi-3',
      'raspberry-pi-4',
      'raspberry-pi-5',
      'nvidia-jetson',
      'generic-arm64',
      'generic-amd64',
    ])
      expect(names).toContain(required);
    for (const p of listProfiles()) {
      expect(p.leaseIntervalSeconds).toBeGreaterThanOrEqual(1);
      expect(p.labels['node.kubernetes.io/instance-type']).toBe(p.name);
    }
  });

  it('ships profiles the small YAML reader reads exactly like the yaml package (the agent loads no YAML parser)', () => {
    const files = readdirSync(PROFILES_DIR).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const f of files) {
      const text = readFileSync(join(PROFILES_DIR, f), 'utf8');
      expect(parseMiniYaml(text), f).toEqual(parse(text));
    }
  });

  it('reads the old heartbeatIntervalSeconds as the lease interval and checks the report interval', () => {
    const base = 'name: x\nmatch:\n  arch: [amd64]\nreserved:\n  cpu: 100m\n  memory: 64Mi\n';
    expect(parseProfile(`${base}heartbeatIntervalSeconds: 15\n`).leaseIntervalSeconds).toBe(15);
    expect(parseProfile(`${base}leaseIntervalSeconds: 20\nnodeStatusReportIntervalSeconds: 600\n`)).toMatchObject({
      leaseIntervalSeconds: 20,
      nodeStatusReportIntervalSeconds: 600,
    });
    expect(() => parseProfile(`${base}leaseIntervalSeconds: 20\nnodeStatusReportIntervalSeconds: 5\n`)).toThrow(
      /nodeStatusReportIntervalSeconds/,
    );
  });

  it.each([
    ['Raspberry Pi Zero 2 W Rev 1.0', 'arm64', 'raspberry-pi-zero-2-w'],
    ['Raspberry Pi 3 Model B Plus Rev 1.3', 'arm64', 'raspberry-pi-3'],
    ['Raspberry Pi 3 Model B Rev 1.2', 'arm', 'raspberry-pi-3'],
    ['Raspberry Pi 4 Model B Rev 1.4', 'arm64', 'raspberry-pi-4'],
    ['Raspberry Pi 400 Rev 1.0', 'arm64', 'raspberry-pi-4'],
    ['Raspberry Pi Compute Module 4 Rev 1.0', 'arm64', 'raspberry-pi-4'],
    ['Raspberry Pi 5 Model B Rev 1.0', 'arm64', 'raspberry-pi-5'],
    ['NVIDIA Jetson Nano Developer Kit', 'arm64', 'nvidia-jetson'],
    ['NVIDIA Orin Nano Developer Kit', 'arm64', 'nvidia-jetson'],
    ['Rockchip RK3588 EVB', 'arm64', 'generic-arm64'],
    [undefined, 'arm64', 'generic-arm64'],
    ['QEMU Standard PC (Q35 + ICH9, 2009)', 'amd64', 'generic-amd64'],
    [undefined, 'amd64', 'generic-amd64'],
  ])('model %s on %s → %s', (model, arch, expected) => {
    expect(detectProfile({ model, arch }).name).toBe(expected);
  });

  it('refuses an unknown arch with a hint, and unknown profile names', () => {
    expect(() => detectProfile({ arch: 's390x' })).toThrow(/use --profile/);
    expect(() => loadProfile('no-such-board')).toThrow(
      /unknown firmware profile "no-such-board" \(known: .*raspberry-pi-4/,
    );
    expect(() => loadProfile('../etc/passwd')).toThrow(/unknown firmware profile/);
  });

  it('loads by name and derives the default node labels', () => {
    const pi = loadProfile('raspberry-pi-4');
    expect(pi.reserved).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(profileLabels(pi, { arch: 'arm64', model: 'Raspberry Pi 4 Model B Rev 1.4' })).toEqual({
      'kubernetes.io/arch': 'arm64',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'raspberry-pi-4',
      'peapod.io/profile': 'raspberry-pi-4',
    });
    expect(loadProfile('raspberry-pi-zero-2-w').taints).toEqual([
      { key: 'peapod.io/low-memory', value: 'true', effect: 'PreferNoSchedule' },
    ]);
  });

  it('validates profile documents', () => {
    expect(() => parseProfile('name: x\nmatch: {arch: []}\nreserved: {cpu: 1, memory: 1Mi}')).toThrow(/match.arch/);
    expect(() => parseProfile('name: x\nmatch: {arch: [arm64]}\nreserved: {cpu: lots, memory: 1Mi}')).toThrow(
      /reserved/,
    );
    expect(() =>
      parseProfile('name: x\nmatch: {arch: [arm64], model: ["(("]}\nreserved: {cpu: 1, memory: 1Mi}'),
    ).toThrow(/invalid model pattern/);
  });

  it('reads the device-tree model without its trailing NUL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'peapod-dt-'));
    try {
      writeFileSync(join(dir, 'model'), 'Raspberry Pi 5 Model B Rev 1.0\0');
      expect(readDeviceModel([join(dir, 'missing'), join(dir, 'model')])).toBe('Raspberry Pi 5 Model B Rev 1.0');
      expect(readDeviceModel([join(dir, 'missing')])).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps Node.js arch names to Kubernetes ones and detects this machine', () => {
    expect(kubernetesArch('x64')).toBe('amd64');
    expect(kubernetesArch('arm64')).toBe('arm64');
    expect(detectProfile().match.arch).toContain(kubernetesArch());
  });
});
