import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { type PeerCertificate, connect as tlsConnect } from 'node:tls';
import {
  decodeJoinResponse,
  encode,
  JOIN_USERNAME,
  type JoinRequest,
  PROTOCOL_VERSION,
  parseJoinToken,
  topics,
} from '@peapod/core';
import { connectAsync } from 'mqtt';

/**
 * Joining (like `k3s agent --token`): the token `PP10<sha256 of the hub CA>::<secret>` lets the agent
 * pin the hub's CA on first contact, then the secret buys a per-node credential, once. The
 * credential and the CA are kept in the agent data dir (mode 0600) and reused on every start.
 */
export interface StoredCredential {
  nodeName: string;
  username: string;
  password: string;
  /** Broker URL the credential was issued by. */
  url: string;
  caPem?: string;
}

export function caFingerprint(caPem: string): string {
  return new X509Certificate(caPem).fingerprint256.replace(/:/g, '').toLowerCase();
}

function toPem(raw: Buffer): string {
  const b64 = raw.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** Reads the certificate chain the broker presents and returns the CA matching the pinned hash. */
export function fetchPinnedCa(url: string, caHash: string, timeoutMs = 10_000): Promise<string> {
  const u = new URL(url);
  const port = Number(u.port) || (u.protocol === 'wss:' ? 443 : 8883);
  return new Promise((resolve, reject) => {
    // SNI carries host names only (RFC 6066); an IP address as servername is deprecated in Node.
    const servername = isIP(u.hostname) ? undefined : u.hostname;
    const socket = tlsConnect({ host: u.hostname, port, rejectUnauthorized: false, servername }, () => {
      let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert?.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        if (cert.fingerprint256.replace(/:/g, '').toLowerCase() === caHash) {
          socket.destroy();
          return resolve(toPem(cert.raw));
        }
        cert = (cert as PeerCertificate & { issuerCertificate?: PeerCertificate }).issuerCertificate;
      }
      socket.destroy();
      reject(new Error(`the hub at ${u.host} does not present the CA the join token names`));
    });
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`timed out reaching ${u.host}`)));
    socket.on('error', reject);
  });
}

export async function joinHub(options: {
  url: string;
  token: string;
  nodeName: string;
  caPem?: string;
  timeoutMs?: number;
}): Promise<StoredCredential> {
  const { secret, caHash } = parseJoinToken(options.token);
  const secure = options.url.startsWith('mqtts:') || options.url.startsWith('wss:');
  const caPem = options.caPem ?? (secure && caHash ? await fetchPinnedCa(options.url, caHash) : undefined);
  if (secure && !caPem) throw new Error('joining over TLS needs a token with the CA hash (PP10…) or --ca-file');
  const clientId = `join-${randomBytes(8).toString('hex')}`;
  const client = await connectAsync(options.url, {
    clientId,
    username: JOIN_USERNAME,
    password: secret,
    clean: true,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: options.timeoutMs ?? 10_000,
    ca: caPem,
    rejectUnauthorized: true,
    writeCache: false, // as in AgentTransport: no 6 MiB message-id cache
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = new Promise<Buffer>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('the hub did not answer the join request')),
        options.timeoutMs ?? 10_000,
      );
      client.on('message', (_topic, payload) => {
        clearTimeout(timer);
        resolve(payload);
      });
    });
    // If subscribing or publishing fails first, the pending answer must not reject unobserved later.
    answer.catch(() => undefined);
    await client.subscribeAsync(topics.joinResponse(clientId), { qos: 1 });
    const request: JoinRequest = { v: PROTOCOL_VERSION, nodeName: options.nodeName };
    await client.publishAsync(topics.joinRequest(clientId), encode(request), { qos: 1 });
    const response = decodeJoinResponse(await answer);
    if (!response.ok || !response.username || !response.password)
      throw new Error(`join refused: ${response.error ?? 'no credential'}`);
    return {
      nodeName: options.nodeName,
      username: response.username,
      password: response.password,
      url: options.url,
      caPem,
    };
  } finally {
    clearTimeout(timer);
    await client.endAsync(true);
  }
}

export function credentialPath(dataDir: string): string {
  return join(dataDir, 'credential.json');
}

export function readCredential(dataDir: string): StoredCredential | undefined {
  const path = credentialPath(dataDir);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StoredCredential) : undefined;
}

export function writeCredential(dataDir: string, credential: StoredCredential): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialPath(dataDir);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  chmodSync(`${path}.tmp`, 0o600);
  renameSync(`${path}.tmp`, path);
}
