import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubHandle, startHub } from '../src/hub.js';
import { api, podManifest, type WatchEventLine, watch } from './helpers/api-client.js';
import { type HubProcess, startHubProcess } from './helpers/hub-process.js';

const TABLE =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const PODS = '/api/v1/namespaces/default/pods';
const nameOf = (e: WatchEventLine) => e.object.metadata?.name;

let hub: HubProcess;

beforeAll(async () => {
  hub = await startHubProcess();
});

afterAll(async () => {
  await hub?.cleanup();
});

describe('watch over a real hub process', () => {
  it('sends initial ADDED events without a resourceVersion, then live changes', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('w-existing', { suite: 'initial' }) });
    const stream = await watch(hub, `${PODS}?watch=true&labelSelector=suite%3Dinitial`);
    expect(stream.status).toBe(200);
    const initial = await stream.next();
    expect([initial.type, nameOf(initial)]).toEqual(['ADDED', 'w-existing']);

    await api(hub, 'POST', PODS, { body: podManifest('w-new', { suite: 'initial' }) });
    await api(hub, 'POST', PODS, { body: podManifest('w-other', { suite: 'elsewhere' }) });
    await api(hub, 'PATCH', `${PODS}/w-new`, {
      body: { metadata: { annotations: { touched: 'yes' } } },
      contentType: 'application/merge-patch+json',
    });
    await api(hub, 'DELETE', `${PODS}/w-new`, { body: { gracePeriodSeconds: 0 } });
    expect(nameOf(await stream.next((e) => e.type === 'ADDED'))).toBe('w-new');
    expect((await stream.next((e) => e.type === 'MODIFIED')).object.metadata.annotations.touched).toBe('yes');
    expect(nameOf(await stream.next((e) => e.type === 'DELETED'))).toBe('w-new');
    expect(stream.events.map(nameOf)).not.toContain('w-other');
    stream.close();
  });

  it('resumes from a resourceVersion with every change after it, on all paths', async () => {
    const first = await api(hub, 'POST', PODS, { body: podManifest('r-1', { suite: 'resume' }) });
    const from = first.body.metadata.resourceVersion;
    await api(hub, 'POST', PODS, { body: podManifest('r-2', { suite: 'resume' }) });
    await api(hub, 'PATCH', `${PODS}/r-1`, {
      body: { metadata: { labels: { step: 'two' } } },
      contentType: 'application/merge-patch+json',
    });
    for (const path of [
      `${PODS}?watch=true&resourceVersion=${from}&labelSelector=suite%3Dresume`,
      `${PODS}?watch=1&resourceVersion=${from}&labelSelector=suite%3Dresume`,
      `/api/v1/watch/namespaces/default/pods?resourceVersion=${from}&labelSelector=suite%3Dresume`,
      `/api/v1/pods?watch=true&resourceVersion=${from}&labelSelector=suite%3Dresume`,
    ]) {
      const stream = await watch(hub, path);
      const added = await stream.next();
      const modified = await stream.next();
      expect([path, added.type, nameOf(added)]).toEqual([path, 'ADDED', 'r-2']);
      expect([path, modified.type, nameOf(modified)]).toEqual([path, 'MODIFIED', 'r-1']);
      expect(Number(modified.object.metadata.resourceVersion)).toBeGreaterThan(Number(from));
      stream.close();
    }
  });

  it('watches one object by name (kubectl get pod x -w)', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('one-1') });
    await api(hub, 'POST', PODS, { body: podManifest('one-2') });
    const stream = await watch(hub, `${PODS}?fieldSelector=metadata.name%3Done-1&resourceVersion=0&watch=true`);
    const first = await stream.next();
    expect([first.type, nameOf(first)]).toEqual(['ADDED', 'one-1']);
    await api(hub, 'PATCH', `${PODS}/one-2`, {
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/merge-patch+json',
    });
    await api(hub, 'PATCH', `${PODS}/one-1`, {
      body: { metadata: { labels: { a: 'b' } } },
      contentType: 'application/merge-patch+json',
    });
    const next = await stream.next();
    expect([next.type, nameOf(next)]).toEqual(['MODIFIED', 'one-1']);
    stream.close();
    for (const path of [`/api/v1/watch/namespaces/default/pods/one-2`, `${PODS}/one-2?watch=true`]) {
      const legacy = await watch(hub, path);
      expect(nameOf(await legacy.next())).toBe('one-2');
      expect(legacy.events.map(nameOf)).not.toContain('one-1');
      legacy.close();
    }
  });

  it('wraps events in one-row Tables when asked', async () => {
    await api(hub, 'POST', PODS, { body: podManifest('t-1', { suite: 'table' }) });
    const stream = await watch(hub, `${PODS}?watch=true&labelSelector=suite%3Dtable`, { accept: TABLE });
    const event = await stream.next();
    expect(event.type).toBe('ADDED');
    expect(event.object.kind).toBe('Table');
    expect(event.object.rows).toHaveLength(1);
    expect(event.object.rows[0].cells[0]).toBe('t-1');
    expect(event.object.rows[0].object.kind).toBe('PartialObjectMetadata');
    expect(event.object.columnDefinitions[0].name).toBe('Name');
    stream.close();
  });

  it('ends the stream after timeoutSeconds', async () => {
    const stream = await watch(hub, `${PODS}?watch=true&timeoutSeconds=1&labelSelector=suite%3Dnone`);
    await stream.ended;
    expect(stream.status).toBe(200);
    expect(stream.events).toEqual([]);
  });

  it('rejects bad watch parameters with a Status', async () => {
    const res = await api(hub, 'GET', `${PODS}?watch=true&resourceVersion=abc`);
    expect([res.status, res.body.kind]).toEqual([400, 'Status']);
    const selector = await api(hub, 'GET', `${PODS}?watch=true&labelSelector=${encodeURIComponent('x in (')}`);
    expect([selector.status, selector.body.kind]).toEqual([400, 'Status']);
  });

  it('answers a resourceVersion older than the change log with a 410 Expired event', async () => {
    const before = await api(hub, 'POST', PODS, { body: podManifest('gone-1') });
    const old = before.body.metadata.resourceVersion;
    await api(hub, 'POST', PODS, { body: podManifest('gone-2') });
    // The change log lives in memory: after a restart the history before it is gone.
    await hub.kill9();
    await hub.restart();
    await api(hub, 'POST', PODS, { body: podManifest('gone-3') });
    const stream = await watch(hub, `${PODS}?watch=true&resourceVersion=${old}`);
    const event = await stream.next();
    expect(event.type).toBe('ERROR');
    expect(event.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    await stream.ended;
  });
});

describe('watch bookmarks', () => {
  let local: HubHandle;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'peapod-hub-bookmarks-'));
    local = await startHub({ dataDir, host: '127.0.0.1', port: 0, logLevel: 'silent', watchBookmarkIntervalMs: 200 });
  });

  afterAll(async () => {
    await local?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends BOOKMARK events carrying the current resourceVersion when allowed', async () => {
    const conn = { url: local.url, token: local.token, caPem: local.caPem };
    const created = await api(conn, 'POST', PODS, { body: podManifest('b-1') });
    const stream = await watch(
      conn,
      `${PODS}?watch=true&allowWatchBookmarks=true&resourceVersion=${created.body.metadata.resourceVersion}`,
    );
    const bookmark = await stream.next((e) => e.type === 'BOOKMARK');
    expect(bookmark.object.kind).toBe('Pod');
    expect(Number(bookmark.object.metadata.resourceVersion)).toBeGreaterThanOrEqual(
      Number(created.body.metadata.resourceVersion),
    );
    stream.close();

    const initial = await watch(
      conn,
      `${PODS}?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersion=`,
    );
    await initial.next((e) => e.type === 'ADDED');
    const end = await initial.next((e) => e.type === 'BOOKMARK');
    expect(end.object.metadata.annotations['k8s.io/initial-events-end']).toBe('true');
    initial.close();
  });
});
