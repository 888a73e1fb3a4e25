import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultSubjectAltNames, ensureHubCredentials } from '../src/certs/credentials.js';
import { renderKubeconfig } from '../src/certs/kubeconfig.js';
import { parseHubFlags, resolveHubOptions } from '../src/config.js';
import { startHub } from '../src/hub.js';
import { api } from './helpers/api-client.js';
import { HUB_ENTRY } from './helpers/hub-process.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'peapod-hub-tls-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (path: string) => statSync(path).mode & 0o777;

describe('generated credentials', () => {
  it('creates a CA, a server certificate for the local names and a token, secrets with mode 0600', async () => {
    const data = join(dir, 'first');
    const creds = await ensureHubCredentials(data, defaultSubjectAltNames(['hub.example', '192.0.2.10']));
    const ca = new X509Certificate(creds.caPem);
    const server = new X509Certificate(creds.server.certPem);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    for (const name of ['localhost', hostname(), 'hub.example']) expect(server.checkHost(name)).toBe(name);
    for (const ip of ['127.0.0.1', '::1', '192.0.2.10']) expect(server.checkIP(ip)).toBe(ip);
    expect(server.checkHost('other.example')).toBeUndefined();
    expect(creds.token.length).toBeGreaterThanOrEqual(40);
    expect(mode(creds.paths.token)).toBe(0o600);
    expect(mode(creds.paths.serverKey)).toBe(0o600);
    expect(mode(join(data, 'tls', 'ca.key'))).toBe(0o600);
  });

  it('reuses everything on the next start and reissues only the server certificate for new names', async () => {
    const data = join(dir, 'reuse');
    const first = await ensureHubCredentials(data, defaultSubjectAltNames());
    const second = await ensureHubCredentials(data, defaultSubjectAltNames());
    expect(second.token).toBe(first.token);
    expect(second.caPem).toBe(first.caPem);
    expect(second.server.certPem).toBe(first.server.certPem);
    const third = await ensureHubCredentials(data, defaultSubjectAltNames(['new.example']));
    expect(third.token).toBe(first.token);
    expect(third.caPem).toBe(first.caPem);
    expect(third.server.certPem).not.toBe(first.server.certPem);
    expect(new X509Certificate(third.server.certPem).checkHost('new.example')).toBe('new.example');
    // Another part of the hub asking for other names keeps the earlier ones (no flip-flop).
    const fourth = await ensureHubCredentials(data, defaultSubjectAltNames(['10.1.2.3']));
    const cert = new X509Certificate(fourth.server.certPem);
    expect(cert.checkHost('new.example')).toBe('new.example');
    expect(cert.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(cert.checkIP('::1')).toBe('::1');
    const fifth = await ensureHubCredentials(data, defaultSubjectAltNames(['new.example']));
    expect(fifth.server.certPem).toBe(fourth.server.certPem);
  });
});

describe('kubeconfig', () => {
  it('renders a kubeconfig with the CA, server, token and context', () => {
    const text = renderKubeconfig({
      server: 'https://127.0.0.1:6443',
      caPem: 'PEM',
      token: 't0k"en',
      context: 'peapod',
    });
    const doc = parse(text);
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'peapod',
      clusters: [
        {
          name: 'peapod',
          cluster: {
            server: 'https://127.0.0.1:6443',
            'certificate-authority-data': Buffer.from('PEM').toString('base64'),
          },
        },
      ],
      users: [{ name: 'peapod-admin', user: { token: 't0k"en' } }],
      contexts: [{ name: 'peapod', context: { cluster: 'peapod', user: 'peapod-admin' } }],
    });
  });
});

describe('hub flags', () => {
  it('parses every flag in both spellings', () => {
    expect(
      parseHubFlags([
        '--data-dir',
        '/d',
        '--host=127.0.0.1',
        '--port',
        '0',
        '--tls-san',
        'a.example,10.0.0.1',
        '--tls-san=b',
        '--insecure-http',
        '--log-level',
        'debug',
        '--mqtts-port=0',
        '--wss-port',
        'off',
        '--broker',
        'mqtts://hub:secret@broker.lan:8883',
        '--broker-ca-file=/ca.pem',
        '--node-grace-period',
        '2m',
      ]),
    ).toEqual({
      mqtt: {
        mqttsPort: 0,
        wssPort: null,
        broker: 'mqtts://hub:secret@broker.lan:8883',
        brokerCaFile: '/ca.pem',
        nodeGracePeriodMs: 120_000,
      },
      dataDir: '/d',
      host: '127.0.0.1',
      port: 0,
      extraSANs: ['a.example', '10.0.0.1', 'b'],
      insecureHttp: true,
      logLevel: 'debug',
    });
    expect(parseHubFlags(['--insecure-http=false'])).toEqual({ mqtt: {}, insecureHttp: false });
    expect(parseHubFlags(['--node-grace-period=500ms']).mqtt.nodeGracePeriodMs).toBe(500);
  });

  it('rejects unknown flags and bad values with a message', () => {
    expect(() => parseHubFlags(['--nope'])).toThrow(/unknown flag "--nope"/);
    expect(() => parseHubFlags(['--port', '70000'])).toThrow(/invalid --port/);
    expect(() => parseHubFlags(['--port'])).toThrow(/needs a value/);
    expect(() => parseHubFlags(['--log-level', 'loud'])).toThrow(/invalid --log-level/);
    expect(() => parseHubFlags(['--wss-port', 'on'])).toThrow(/invalid --wss-port/);
    expect(() => parseHubFlags(['--node-grace-period', 'soon'])).toThrow(/invalid --node-grace-period/);
  });

  it('has embedded defaults', () => {
    const o = resolveHubOptions();
    expect(o).toMatchObject({ host: '0.0.0.0', port: 6443, insecureHttp: false, context: 'peapod', logLevel: 'info' });
    expect(o.dataDir).toMatch(/\.peapod[/\\]hub$/);
  });
});

describe('main-hub entry', () => {
  it('exits 2 with a message on a bad flag and prints the flags on --help', () => {
    const bad = spawnSync(process.execPath, [HUB_ENTRY, '--port', 'many'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('error: invalid --port "many"');
    const help = spawnSync(process.execPath, [HUB_ENTRY, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--data-dir <dir>');
  });
});

describe('start failures', () => {
  it('reports a busy port clearly and releases the data dir', async () => {
    const data = join(dir, 'busy');
    const first = await startHub({ dataDir: data, host: '127.0.0.1', port: 0, logLevel: 'silent' });
    const port = Number(new URL(first.url).port);
    try {
      await expect(
        startHub({ dataDir: join(dir, 'busy-2'), host: '127.0.0.1', port, logLevel: 'silent' }),
      ).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      await first.stop();
    }
    // The data dir of the failed start is usable right away.
    const again = await startHub({ dataDir: join(dir, 'busy-2'), host: '127.0.0.1', port: 0, logLevel: 'silent' });
    await again.stop();
  });
});

describe('insecure http', () => {
  it('serves plain http without auth only when asked, and writes a token-less kubeconfig', async () => {
    const data = join(dir, 'insecure');
    const hub = await startHub({ dataDir: data, host: '127.0.0.1', port: 0, insecureHttp: true, logLevel: 'silent' });
    try {
      expect(hub.url).toMatch(/^http:\/\//);
      expect(hub.caPem).toBeUndefined();
      const res = await api({ url: hub.url, token: '' }, 'GET', '/api/v1/namespaces');
      expect(res.status).toBe(200);
      const doc = parse(readFileSync(hub.kubeconfigPath, 'utf8'));
      expect(doc.clusters[0].cluster.server).toBe(hub.url);
      expect(doc.clusters[0].cluster['certificate-authority-data']).toBeUndefined();
    } finally {
      await hub.stop();
    }
  });
});
