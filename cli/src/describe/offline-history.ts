import { humanDuration } from '@peapod/core';
import { type DescribeWriter, rfc1123z } from './writer.js';

/** The node annotation the hub's MQTT bridge keeps: `[{offline, cause, online?}]`, newest last. */
const OFFLINE_HISTORY = 'peapod.io/offline-history';

interface OfflineRecord {
  offline?: string;
  online?: string;
  cause?: string;
}

/**
 * `describe node`: the device's recent outages (hub time), a Peapod addition after the resources
 * and before the events (docs/offline.md). Nothing is printed for a node that was never away.
 */
export function describeOfflineHistory(w: DescribeWriter, annotations: Record<string, string> | undefined): void {
  let records: OfflineRecord[];
  try {
    const parsed = JSON.parse(annotations?.[OFFLINE_HISTORY] ?? '[]');
    records = Array.isArray(parsed) ? parsed : [];
  } catch {
    return;
  }
  if (records.length === 0) return;
  w.write(0, 'Offline History:\n');
  w.write(1, 'Offline\tOnline\tDuration\tCause\n');
  w.write(1, '-------\t------\t--------\t-----\n');
  for (const r of records) {
    const start = Date.parse(r.offline ?? '');
    const end = r.online ? Date.parse(r.online) : Date.now();
    const duration = Number.isNaN(start) || Number.isNaN(end) ? '<unknown>' : humanDuration(end - start);
    w.write(
      1,
      `${rfc1123z(r.offline)}\t${r.online ? rfc1123z(r.online) : '<still offline>'}\t${r.online ? duration : `${duration} so far`}\t${r.cause ?? '<unknown>'}\n`,
    );
  }
}
