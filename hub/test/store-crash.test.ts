import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { NODES, PODS, tempStores } from './store-helpers.js';

const temp = tempStores();
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  temp.cleanup();
});

const WRITER = fileURLToPath(new URL('./fixtures/store-crash-writer.mjs', import.meta.url));
const COMPILED = fileURLToPath(new URL('../dist/store/sqlite.js', import.meta.url));

interface Ack {
  name: string;
  uid: string;
  rv: string;
}

/** Runs the writer and SIGKILLs it once `killAfter` writes have been acknowledged. */
function runAndKill(dataDir: string, killAfter: number): Promise<{ acks: Ack[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dataDir, '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const acks: Ack[] = [];
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, name, uid, rv] = line.split(' ');
        if (word !== 'ack') continue;
        acks.push({ name, uid, rv });
        if (acks.length === killAfter && child.pid) process.kill(child.pid, 'SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null) reject(new Error(`writer exited with ${code} before the kill: ${stderr}`));
      else resolve({ acks, signal });
    });
  });
}

describe('SqliteStore crash safety (kill -9 of a real writer process)', () => {
  it('keeps every acknowledged write and never a half-written object', async () => {
    // The writer runs the compiled store (npm test builds first); never skip silently.
    if (!existsSync(COMPILED)) throw new Error(`${COMPILED} is missing: run \`npx tsc -b\` first`);
    const dir = temp.dir();
    const { acks, signal } = await runAndKill(dir, 400);
    expect(signal).toBe('SIGKILL');
    expect(acks.length).toBeGreaterThanOrEqual(400);

    // Every object in the file is whole: valid JSON whose uid/rv match the row's columns.
    const db = new Database(join(dir, 'peapod.db'));
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT name, uid, rv, body FROM objects').all() as {
      name: string;
      uid: string;
      rv: number;
      body: string;
    }[];
    db.close();
    for (const row of rows) {
      const body = JSON.parse(row.body);
      expect(body.metadata.name).toBe(row.name);
      expect(body.metadata.uid).toBe(row.uid);
      expect(body.metadata.resourceVersion).toBe(String(row.rv));
    }

    // Every acknowledged write is there, at least as new as acknowledged.
    const store = temp.open(dir);
    const newest = new Map<string, Ack>();
    for (const ack of acks) newest.set(ack.name, ack);
    for (const ack of newest.values()) {
      const type = ack.name === 'crash-node' ? NODES : PODS;
      const object = store.get(type, 'default', ack.name);
      expect(object, ack.name).toBeDefined();
      expect(object?.metadata.uid).toBe(ack.uid);
      expect(Number(object?.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(ack.rv));
    }
    // New versions after the restart never reuse one handed out before the crash.
    const maxAcked = Math.max(...acks.map((a) => Number(a.rv)));
    const created = store.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'after-crash', namespace: 'default' },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    });
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(maxAcked);
  });
});
