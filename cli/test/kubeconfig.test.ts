import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeconfig, parseKubeconfigText, resolveConnection } from '../src/kubeconfig.js';

const HUB_STYLE = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: "peapod"
  cluster:
    server: "https://127.0.0.1:6443"
    certificate-authority-data: "${Buffer.from('CA PEM').toString('base64')}"
users:
- name: "peapod-admin"
  user:
    token: "tok123"
contexts:
- name: "peapod"
  context:
    cluster: "peapod"
    user: "peapod-admin"
- name: other # a comment
  context:
    cluster: peapod
    user: peapod-admin
    namespace: kube-system
current-context: "peapod"
`;

const dir = mkdtempSync(join(tmpdir(), 'peapod-kubeconfig-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('kubeconfig parsing', () => {
  it('falls back transparently for block scalars', async () => {
    const cfg = await parseKubeconfigText('current-context: >-\n  folded\n');
    expect(cfg['current-context']).toBe('folded');
  });

  it('reads kubeconfig-style block YAML like the yaml package does', async () => {
    const { parse } = await import('yaml');
    expect(await parseKubeconfigText(HUB_STYLE)).toEqual(parse(HUB_STYLE));
  });
});

describe('resolveConnection', () => {
  const file = join(dir, 'config');
  writeFileSync(file, HUB_STYLE);

  it('uses the current context: server, CA data, token, default namespace', async () => {
    const c = resolveConnection(await loadKubeconfig(file), {});
    expect(c.server).toBe('https://127.0.0.1:6443');
    expect(c.ca?.toString()).toBe('CA PEM');
    expect(c.token).toBe('tok123');
    expect(c.namespace).toBe('default');
    expect(c.insecure).toBe(false);
  });

  it('applies --context, -n, --server, --token and --insecure-skip-tls-verify overrides', async () => {
    const loaded = await loadKubeconfig(file);
    expect(resolveConnection(loaded, { context: 'other' }).namespace).toBe('kube-system');
    const c = resolveConnection(loaded, {
      namespace: 'x',
      server: 'https://h:9',
      token: 't',
      insecureSkipTlsVerify: true,
    });
    expect([c.namespace, c.server, c.token, c.insecure]).toEqual(['x', 'https://h:9', 't', true]);
    expect(() => resolveConnection(loaded, { context: 'missing' })).toThrow(
      'context was not found for specified context: missing',
    );
  });

  it('honours $KUBECONFIG with several files (first wins)', async () => {
    const second = join(dir, 'second');
    writeFileSync(
      second,
      'current-context: b\ncontexts:\n- name: b\n  context:\n    cluster: peapod\n    user: peapod-admin\n',
    );
    const loaded = await loadKubeconfig(undefined, { KUBECONFIG: `${second}:${file}` });
    const c = resolveConnection(loaded, {});
    expect(c.contextName).toBe('b');
    expect(c.server).toBe('https://127.0.0.1:6443');
  });

  it('reports a missing explicit file and a missing server like kubectl', async () => {
    await expect(loadKubeconfig(join(dir, 'nope'))).rejects.toThrow(/no such file or directory/);
    const empty = await loadKubeconfig(undefined, { HOME: dir });
    expect(() => resolveConnection(empty, {})).toThrow(
      'The connection to the server localhost:8080 was refused - did you specify the right host or port?',
    );
  });
});
