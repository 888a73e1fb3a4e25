import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createCertificateAuthority, createServerCertificate, type PemKeyPair, type SubjectAltNames } from './pki.js';

/**
 * The hub's generated credentials, kept in the data dir and reused on every start (like K3s):
 * `tls/ca.crt|key`, `tls/server.crt|key`, `admin-token`. Secrets are written with mode 0600.
 * The server certificate is re-issued (by the same CA) when a requested name is missing or it
 * expires within 30 days; the CA and the token never change once written.
 */
export interface HubCredentials {
  caPem: string;
  server: PemKeyPair;
  token: string;
  paths: { caCert: string; serverCert: string; serverKey: string; token: string };
}

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

/** localhost, 127.0.0.1, ::1 and the host name, plus `extra` (each sorted into DNS or IP). */
export function defaultSubjectAltNames(extra: string[] = []): SubjectAltNames {
  const dnsNames = new Set(['localhost', hostname()]);
  const ipAddresses = new Set(['127.0.0.1', '::1']);
  for (const name of extra.map((n) => n.trim()).filter(Boolean)) {
    if (isIP(name)) ipAddresses.add(name);
    else dnsNames.add(name.toLowerCase());
  }
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function readPair(certPath: string, keyPath: string): PemKeyPair | undefined {
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(keyPath, 'utf8') };
}

/** Canonical text of an IP as Node prints it in subjectAltName (`IP Address:0:0:0:0:0:0:0:1`). */
function sanEntries(cert: X509Certificate): Set<string> {
  return new Set(
    (cert.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}

function ipSanText(ip: string): string {
  if (isIP(ip) === 4) return `ip address:${ip}`;
  // Node renders IPv6 SANs fully expanded without leading zeros.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return `ip address:${[...left, ...middle, ...right].map((p) => Number.parseInt(p, 16).toString(16)).join(':')}`;
}

function certificateCovers(certPem: string, caPem: string, names: SubjectAltNames, now: number): boolean {
  try {
    const cert = new X509Certificate(certPem);
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (Date.parse(cert.validTo) - now < RENEW_BEFORE_MS) return false;
    const have = sanEntries(cert);
    return (
      names.dnsNames.every((n) => have.has(`dns:${n.toLowerCase()}`)) &&
      names.ipAddresses.every((ip) => have.has(ipSanText(ip)))
    );
  } catch {
    return false;
  }
}

function namesOf(certPem: string): SubjectAltNames | undefined {
  try {
    const entries = (new X509Certificate(certPem).subjectAltName ?? '').split(',').map((e) => e.trim());
    return {
      dnsNames: entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4)),
      ipAddresses: entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11)),
    };
  } catch {
    return undefined;
  }
}

function mergeNames(wanted: SubjectAltNames, kept: SubjectAltNames | undefined): SubjectAltNames {
  if (!kept) return wanted;
  const ips = [...wanted.ipAddresses];
  for (const ip of kept.ipAddresses) if (!ips.some((have) => ipSanText(have) === ipSanText(ip))) ips.push(ip);
  return {
    dnsNames: [...new Set([...wanted.dnsNames, ...kept.dnsNames.map((n) => n.toLowerCase())])],
    ipAddresses: ips.filter((ip) => isIP(ip)),
  };
}

export async function ensureHubCredentials(dataDir: string, names: SubjectAltNames): Promise<HubCredentials> {
  const tlsDir = join(dataDir, 'tls');
  mkdirSync(tlsDir, { recursive: true, mode: 0o700 });
  const paths = {
    caCert: join(tlsDir, 'ca.crt'),
    caKey: join(tlsDir, 'ca.key'),
    serverCert: join(tlsDir, 'server.crt'),
    serverKey: join(tlsDir, 'server.key'),
    token: join(dataDir, 'admin-token'),
  };

  let ca = readPair(paths.caCert, paths.caKey);
  if (!ca) {
    ca = await createCertificateAuthority();
    writeSecret(paths.caKey, ca.keyPem);
    writeFileSync(paths.caCert, ca.certPem);
  }

  let server = readPair(paths.serverCert, paths.serverKey);
  if (!server || !certificateCovers(server.certPem, ca.certPem, names, Date.now())) {
    // Keep the names the old certificate had: the HTTP API and the MQTT broker share it.
    server = await createServerCertificate(ca, mergeNames(names, server ? namesOf(server.certPem) : undefined));
    writeSecret(paths.serverKey, server.keyPem);
    writeFileSync(paths.serverCert, server.certPem);
  }

  let token = existsSync(paths.token) ? readFileSync(paths.token, 'utf8').trim() : '';
  if (!token) {
    token = randomBytes(32).toString('base64url');
    writeSecret(paths.token, `${token}\n`);
  }

  return {
    caPem: ca.certPem,
    server,
    token,
    paths: { caCert: paths.caCert, serverCert: paths.serverCert, serverKey: paths.serverKey, token: paths.token },
  };
}
