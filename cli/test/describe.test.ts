import { describe, expect, it } from 'vitest';
import { describePod } from '../src/describe/kinds.js';
import { describeProbe } from '../src/describe/template.js';
import { rfc1123z } from '../src/describe/writer.js';

describe('describe', () => {
  it('formats probes like kubectl 1.32', () => {
    expect(describeProbe({ httpGet: { path: '/healthz', port: 8080 } })).toBe(
      'http-get http://:8080/healthz delay=0s timeout=1s period=10s #success=1 #failure=3',
    );
    expect(
      describeProbe({ exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5 }),
    ).toBe('exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3');
    expect(describeProbe({ tcpSocket: { port: 5432 } })).toBe(
      'tcp-socket :5432 delay=0s timeout=1s period=10s #success=1 #failure=3',
    );
  });

  it('formats RFC1123Z times', () => {
    expect(rfc1123z('2026-01-02T03:04:05Z')).toBe('Fri, 02 Jan 2026 03:04:05 +0000');
  });

  it('lays out a pod with containers, conditions, tolerations and events', () => {
    const now = Date.now();
    const iso = (ago: number) => new Date(now - ago * 1000).toISOString();
    const pod = {
      metadata: {
        name: 'web-1',
        namespace: 'default',
        labels: { app: 'web' },
        ownerReferences: [{ kind: 'ReplicaSet', name: 'web-5d8', controller: true }],
      },
      spec: {
        nodeName: 'edge-1',
        containers: [
          {
            name: 'app',
            image: 'httpd',
            ports: [{ containerPort: 8080, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/', port: 8080 } },
          },
        ],
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        ],
      },
      status: {
        phase: 'Running',
        hostIP: '10.0.0.5',
        podIP: '10.42.0.7',
        podIPs: [{ ip: '10.42.0.7' }],
        startTime: '2026-01-02T03:04:05Z',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'app',
            ready: true,
            restartCount: 2,
            containerID: 'podman://abc',
            imageID: 'sha',
            state: { running: { startedAt: '2026-01-02T03:04:06Z' } },
          },
        ],
      },
    };
    const events = [
      {
        type: 'Normal',
        reason: 'Started',
        message: 'Started container app',
        count: 4,
        firstTimestamp: iso(5 * 3600),
        lastTimestamp: iso(3 * 3600),
        source: { component: 'kubelet' },
        involvedObject: {},
      },
    ];
    const out = describePod(pod, events);
    const lines = out.split('\n');
    // Column blocks end at lines without a tab (IPs:, Containers:), exactly as Go's tabwriter does.
    expect(lines.slice(0, 10)).toEqual([
      'Name:         web-1',
      'Namespace:    default',
      'Node:         edge-1/10.0.0.5',
      'Start Time:   Fri, 02 Jan 2026 03:04:05 +0000',
      'Labels:       app=web',
      'Annotations:  <none>',
      'Status:       Running',
      'IP:           10.42.0.7',
      'IPs:',
      '  IP:           10.42.0.7',
    ]);
    expect(lines[10]).toBe('Controlled By:  ReplicaSet/web-5d8');
    expect(out).toContain('Containers:\n  app:\n    Container ID:   podman://abc\n    Image:          httpd\n');
    expect(out).toContain('    Port:           8080/TCP\n    Host Port:      0/TCP\n');
    expect(out).toContain('    State:          Running\n      Started:      Fri, 02 Jan 2026 03:04:06 +0000\n');
    expect(out).toContain('    Restart Count:  2\n');
    expect(out).toContain(
      '    Readiness:      http-get http://:8080/ delay=0s timeout=1s period=10s #success=1 #failure=3\n',
    );
    expect(out).toContain('Conditions:\n  Type           Status\n  Ready          True \n');
    expect(out).toContain('QoS Class:       BestEffort\n');
    expect(out).toContain('Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n');
    expect(out.slice(out.indexOf('Events:'))).toBe(
      'Events:\n' +
        '  Type    Reason   Age              From     Message\n' +
        '  ----    ------   ----             ----     -------\n' +
        '  Normal  Started  3h (x4 over 5h)  kubelet  Started container app\n',
    );
  });

  it('prints Events: <none> when there are none', () => {
    const out = describePod(
      { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [] }, status: { phase: 'Pending' } },
      [],
    );
    expect(out.endsWith('Tolerations:     <none>\nEvents:          <none>\n')).toBe(true);
  });
});
