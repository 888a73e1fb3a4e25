/** `peapod config view|get-contexts|use-context|current-context`. */
import { readFileSync, writeFileSync } from 'node:fs';
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import { kubeconfigPaths, loadKubeconfig } from '../kubeconfig.js';
import { formatRows } from '../printers/tabwriter.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, { values: { output: 'o' }, bools: { raw: '', minify: '', flatten: '' } });

const REDACTED_KEYS = new Set(['certificate-authority-data', 'client-certificate-data', 'client-key-data']);

function redact(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(redact);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [
        k,
        REDACTED_KEYS.has(k) ? 'DATA+OMITTED' : k === 'token' ? 'REDACTED' : redact(x),
      ]),
    );
  }
  return v;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const args = parseArgs(rest, SPEC);
  const loaded = await loadKubeconfig(flag(args, 'kubeconfig'));
  const cfg = loaded.config;
  switch (sub) {
    case 'view': {
      const view = {
        apiVersion: 'v1',
        clusters: cfg.clusters,
        contexts: cfg.contexts,
        'current-context': cfg['current-context'] ?? '',
        kind: 'Config',
        preferences: {},
        users: cfg.users,
      };
      const data = bool(args, 'raw') ? view : redact(view);
      const { toJson, toYaml } = await import('../printers/output.js');
      process.stdout.write(flag(args, 'output') === 'json' ? toJson(data) : await toYaml(data));
      return 0;
    }
    case 'get-contexts': {
      const current = cfg['current-context'];
      const rows = [['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']];
      const only = args.positionals;
      for (const c of cfg.contexts ?? []) {
        if (only.length && !only.includes(c.name)) continue;
        rows.push([
          c.name === current ? '*' : '',
          c.name,
          c.context.cluster ?? '',
          c.context.user ?? '',
          c.context.namespace ?? '',
        ]);
      }
      for (const name of only) {
        if (!(cfg.contexts ?? []).some((c) => c.name === name)) throw new CliError(`context ${name} not found`);
      }
      process.stdout.write(formatRows(rows));
      return 0;
    }
    case 'current-context': {
      if (!cfg['current-context']) throw new CliError('current-context is not set');
      process.stdout.write(`${cfg['current-context']}\n`);
      return 0;
    }
    case 'use-context':
    case 'use': {
      const name = args.positionals[0];
      if (!name) throw new CliError('Unexpected args: []');
      if (!(cfg.contexts ?? []).some((c) => c.name === name))
        throw new CliError(`no context exists with the name: "${name}"`);
      const file = kubeconfigPaths(flag(args, 'kubeconfig'))[0];
      const { parseDocument } = await import('yaml');
      const doc = parseDocument(readFileSync(file, 'utf8'));
      doc.set('current-context', name);
      writeFileSync(file, doc.toString());
      process.stdout.write(`Switched to context "${name}".\n`);
      return 0;
    }
    default:
      throw new CliError(
        `unknown command "${sub ?? ''}" for "peapod config" (use view, get-contexts, current-context or use-context)`,
      );
  }
}
