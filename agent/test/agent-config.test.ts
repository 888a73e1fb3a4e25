import { describe, expect, it } from 'vitest';
import { brokerUrl, parseAgentFlags, parseTaints } from '../src/config.js';

describe('parseAgentFlags', () => {
  it('parses the k3s-style flags', () => {
    const c = parseAgentFlags(
      [
        '--hub',
        'hub.local',
        '--token=PP10abc::s',
        '--name',
        'Pi-1',
        '--labels',
        'site=barn,tier=edge',
        '--taints',
        'dedicated=sensors:NoSchedule,gpu:PreferNoSchedule',
        '--heartbeat-interval',
        '20s',
        '--data-dir',
        '/tmp/x',
      ],
      {},
    );
    expect(c).toMatchObject({
      hub: 'mqtts://hub.local:8883',
      token: 'PP10abc::s',
      nodeName: 'pi-1',
      labels: { site: 'barn', tier: 'edge' },
      taints: [
        { key: 'dedicated', value: 'sensors', effect: 'NoSchedule' },
        { key: 'gpu', effect: 'PreferNoSchedule' },
      ],
      leaseSeconds: 20, // --heartbeat-interval: the old name of --lease-interval
      dataDir: '/tmp/x',
      runtime: 'podman',
    });
  });

  it('parses the lease and node status report intervals', () => {
    const c = parseAgentFlags(
      ['--hub', 'hub.local', '--lease-interval', '15s', '--node-status-report-interval=10m'],
      {},
    );
    expect(c).toMatchObject({ leaseSeconds: 15, nodeStatusReportSeconds: 600 });
    expect(() => parseAgentFlags(['--hub', 'h', '--lease-interval', '0'], {})).toThrow(/--lease-interval/);
  });

  it('maps hub URLs to broker URLs', () => {
    expect(brokerUrl('https://hub:6443')).toBe('mqtts://hub:8883');
    expect(brokerUrl('mqtts://hub')).toBe('mqtts://hub:8883');
    expect(brokerUrl('wss://hub:443')).toBe('wss://hub/mqtt');
    expect(brokerUrl('wss://hub:8443')).toBe('wss://hub:8443/mqtt');
    expect(brokerUrl('mqtt://127.0.0.1:1883')).toBe('mqtt://127.0.0.1:1883');
  });

  it('rejects bad input with clear messages', () => {
    expect(() => parseAgentFlags([], {})).toThrow('--hub is required');
    expect(() => parseAgentFlags(['--hub', 'h', '--bogus', '1'], {})).toThrow('unknown flag --bogus');
    expect(() => parseAgentFlags(['--hub', 'h', '--labels', 'novalue'], {})).toThrow(/invalid label "novalue"/);
    expect(() => parseTaints('k=v:Sometimes')).toThrow(/invalid taint "k=v:Sometimes"/);
    expect(() => parseAgentFlags(['--hub', 'h', '--heartbeat-interval', '0'], {})).toThrow(
      /invalid --heartbeat-interval/,
    );
    expect(() => parseAgentFlags(['--hub'], {})).toThrow('flag --hub needs a value');
  });
});
