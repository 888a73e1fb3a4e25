import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HubComponent } from './component.js';
import { LOG_LEVELS, type LogLevel } from './log.js';
import type { MqttComponentOptions } from './mqtt/component.js';

/** Options of `startHub`; every field has an embedded default (see `resolveHubOptions`). */
export interface HubOptions {
  /** Data directory (SQLite file, certificates, token, kubeconfig). Default `~/.peapod/hub`. */
  dataDir?: string;
  /** Listen address. Default `0.0.0.0`. */
  host?: string;
  /** HTTPS (or http) port of the API. Default 6443; 0 picks a free port. */
  port?: number;
  /** Serve plain http without TLS and without authentication. Off by default. */
  insecureHttp?: boolean;
  /** Extra DNS names / IP addresses for the server certificate. */
  extraSANs?: string[];
  /** Name of the kubeconfig context (and cluster) written to `<dataDir>/kubeconfig.yaml`. Default `peapod`. */
  context?: string;
  logLevel?: LogLevel;
  /** Started after the HTTP API, in order; stopped in reverse. */
  components?: HubComponent[];
  /** Interval of BOOKMARK events on watches that allow them. Default 60 s. */
  watchBookmarkIntervalMs?: number;
  /** Injectable clock for tests of time-based logic. */
  now?: () => number;
}

export type ResolvedHubOptions = Required<Omit<HubOptions, 'now'>> & { now: () => number };

export const DEFAULT_API_PORT = 6443;

/** `~/.peapod/hub`, or `./.peapod/hub` when there is no home directory. */
export function defaultDataDir(): string {
  const home = homedir();
  return home ? join(home, '.peapod', 'hub') : resolve('.peapod', 'hub');
}

export function resolveHubOptions(options: HubOptions = {}): ResolvedHubOptions {
  return {
    dataDir: resolve(options.dataDir ?? defaultDataDir()),
    host: options.host ?? '0.0.0.0',
    port: options.port ?? DEFAULT_API_PORT,
    insecureHttp: options.insecureHttp ?? false,
    extraSANs: options.extraSANs ?? [],
    context: options.context ?? 'peapod',
    logLevel: options.logLevel ?? 'info',
    components: options.components ?? [],
    watchBookmarkIntervalMs: options.watchBookmarkIntervalMs ?? 60_000,
    now: options.now ?? Date.now,
  };
}

export const HUB_FLAGS_HELP = `Options:
  --data-dir <dir>        data directory (default ~/.peapod/hub)
  --host <address>        listen address (default 0.0.0.0)
  --port <n>              API port (default 6443; 0 = any free port)
  --tls-san <name|ip>     extra certificate name or IP (repeatable, comma-separated)
  --insecure-http         serve plain http without TLS or authentication (not recommended)
  --log-level <level>     debug | info | warn | error | silent (default info)
  --mqtts-port <n>        embedded broker, MQTT over TLS (default 8883; 0 = any free port)
  --wss-port <n|off>      embedded broker, MQTT over WebSocket at /mqtt (default 8443)
  --broker <url>          use an external broker instead: mqtt(s)://user:pass@host:port
  --broker-ca-file <file> CA bundle to verify an external mqtts:// broker
  --node-grace-period <d> a node silent this long becomes NotReady (default 50s)`;

/** `peapod hub` flags: the API's options plus the MQTT bridge's. */
export interface HubFlags extends HubOptions {
  mqtt: MqttComponentOptions;
}

/**
 * Parses `peapod hub`-style flags (`--port 6443` or `--port=6443`). Throws an Error with a
 * user-facing message on unknown flags or bad values. Returns only what was given.
 */
export function parseHubFlags(argv: readonly string[]): HubFlags {
  const options: HubFlags = { mqtt: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined || next.startsWith('--')) throw new Error(`flag ${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case '--data-dir':
        options.dataDir = value();
        break;
      case '--host':
        options.host = value();
        break;
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw new Error(`invalid --port "${text}": want 0-65535`);
        options.port = port;
        break;
      }
      case '--tls-san':
        options.extraSANs = [
          ...(options.extraSANs ?? []),
          ...value()
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ];
        break;
      case '--insecure-http':
        if (inline !== undefined && inline !== 'true' && inline !== 'false') {
          throw new Error(`invalid --insecure-http "${inline}": want true or false`);
        }
        options.insecureHttp = inline !== 'false';
        break;
      case '--log-level': {
        const level = value() as LogLevel;
        if (!LOG_LEVELS.includes(level))
          throw new Error(`invalid --log-level "${level}": want ${LOG_LEVELS.join(', ')}`);
        options.logLevel = level;
        break;
      }
      case '--mqtts-port':
        options.mqtt.mqttsPort = parsePort(flag, value());
        break;
      case '--wss-port': {
        const text = value();
        options.mqtt.wssPort = text === 'off' ? null : parsePort(flag, text);
        break;
      }
      case '--broker':
        options.mqtt.broker = value();
        break;
      case '--broker-ca-file':
        options.mqtt.brokerCaFile = value();
        break;
      case '--node-grace-period':
        options.mqtt.nodeGracePeriodMs = parseDurationMs(flag, value());
        break;
      default:
        throw new Error(`unknown flag "${arg}"\n${HUB_FLAGS_HELP}`);
    }
  }
  return options;
}

function parsePort(flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new Error(`invalid ${flag} "${text}": want 0-65535`);
  return port;
}

/** `50s`, `2m`, `500ms` or plain seconds. */
function parseDurationMs(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new Error(`invalid ${flag} "${text}": want a duration such as 50s or 2m`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'] as number;
  return Number(m[1]) * unit;
}
