import { describe, expect, it } from 'vitest';
import {
  decodeLease,
  decodeNodeReport,
  decodeProxyRequest,
  decodeProxyResponse,
  encode,
  ProtocolError,
  parseNodeTopic,
  topics,
} from '../src/mqtt-protocol.js';

describe('lease and node status messages', () => {
  it('names the lease topic under the node subtree and parses it back', () => {
    expect(topics.lease('pi-1')).toBe('peapod/v1/node.pi-1/lease');
    expect(parseNodeTopic(topics.lease('pi-1'))).toEqual({ node: 'pi-1', kind: 'lease' });
    expect(parseNodeTopic('peapod/v1/node.pi-1/lease/extra')).toBeUndefined();
  });

  it('accepts only an empty lease payload', () => {
    expect(() => decodeLease(Buffer.alloc(0))).not.toThrow();
    expect(() => decodeLease('x')).toThrow(ProtocolError);
    expect(() => decodeLease(Buffer.alloc(2 * 1024 * 1024))).toThrow(/lease payload must be empty/);
  });

  it('reads status posts, the old heartbeat name, and rejects other types', () => {
    const base = { v: 1, instance: 'i', connection: 0, sentAt: 1 };
    expect(decodeNodeReport(encode({ ...base, type: 'status', usage: { cpuMilli: 5, memoryBytes: 9 } })).type).toBe(
      'status',
    );
    expect(decodeNodeReport(encode({ ...base, type: 'heartbeat' })).type).toBe('heartbeat');
    expect(() => decodeNodeReport(encode({ ...base, type: 'lease' }))).toThrow(ProtocolError);
    expect(() => decodeNodeReport(encode({ ...base, type: 'status', usage: { cpuMilli: 'x' } }))).toThrow(
      ProtocolError,
    );
  });

  it('carries the hub’s node-status request on the requests topic', () => {
    expect(decodeProxyRequest(encode({ v: 1, id: 'status-1', kind: 'node-status' }))).toEqual({
      v: 1,
      id: 'status-1',
      kind: 'node-status',
    });
    expect(() => decodeProxyRequest(encode({ v: 1, id: 'a/b', kind: 'node-status' }))).toThrow(ProtocolError);
  });
});

describe('node-usage requests and answers', () => {
  it('accepts a node-usage request and an answer carrying numbers, and rejects a malformed one', () => {
    expect(decodeProxyRequest(JSON.stringify({ v: 1, id: 'u-1', kind: 'node-usage' })).kind).toBe('node-usage');
    const ok = { v: 1, id: 'u-1', seq: 0, type: 'node-usage', usage: { cpuMilli: 250, memoryBytes: 1024 } };
    expect(decodeProxyResponse(JSON.stringify(ok)).usage).toEqual({ cpuMilli: 250, memoryBytes: 1024 });
    const bad = { ...ok, usage: { cpuMilli: '250m', memoryBytes: 1024 } };
    expect(() => decodeProxyResponse(JSON.stringify(bad))).toThrow('cpuMilli must be a number');
    expect(() => decodeProxyResponse(JSON.stringify({ ...ok, usage: 'x' }))).toThrow('usage must be an object');
  });
});
