/** `peapod create -f`, `create deployment NAME --image…`, `create namespace NAME`. */
import { bool, flag, flagAll, GLOBAL_FLAGS, intFlag, mergeSpecs, parseArgs } from '../args.js';
import { StatusError } from '../client.js';
import { CliError, ExitError, formatStatusError } from '../errors.js';
import { readManifests, targetOf } from '../manifests.js';
import { type KubeObj, parseOutputFlag, printObjects } from '../printers/output.js';
import { kindPrefix, resourcePath, resourceType } from '../resources.js';
import { connect, type Session } from '../session.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, {
  values: { filename: 'f', image: '', replicas: 'r', port: '', output: 'o', 'dry-run': '', validate: '' },
  bools: { recursive: 'R', 'save-config': '' },
  repeatable: ['filename', 'image'],
});

/** Container name kubectl derives from an image: `localhost/edge-test/httpd:1` → `httpd`. */
export function containerNameFromImage(image: string): string {
  const base = image.split('@')[0].split('/').pop() ?? image;
  return base
    .split(':')[0]
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-');
}

export function deploymentFor(name: string, images: string[], replicas: number, port?: number): KubeObj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: images.map((image) => ({
            name: containerNameFromImage(image),
            image,
            ...(port !== undefined ? { ports: [{ containerPort: port }] } : {}),
            resources: {},
          })),
        },
      },
    },
  };
}

/** POSTs a generated object and prints `kind/name created` (or the object for `--dry-run=client -o yaml`). */
export async function createGenerated(
  session: Session,
  obj: KubeObj,
  args: ReturnType<typeof parseArgs>,
  manager: string,
): Promise<void> {
  const t = resourceType(obj.kind!);
  const ns = t.namespaced ? session.namespace : undefined;
  if (ns) obj.metadata = { ...obj.metadata, namespace: obj.metadata?.namespace ?? ns };
  const dry = flag(args, 'dry-run');
  const output = flag(args, 'output');
  if (dry === 'client') {
    if (output) process.stdout.write(await printObjects([obj], parseOutputFlag(output), { single: true }));
    else process.stdout.write(`${kindPrefix(t)}/${obj.metadata?.name} created (dry run)\n`);
    return;
  }
  const created = await session.client.request<KubeObj>('POST', resourcePath(t, ns), {
    body: obj,
    query: { fieldManager: manager, ...(dry === 'server' ? { dryRun: 'All' } : {}) },
  });
  if (output) process.stdout.write(await printObjects([created], parseOutputFlag(output), { single: true }));
  else
    process.stdout.write(
      `${kindPrefix(t)}/${obj.metadata?.name} created${dry === 'server' ? ' (server dry run)' : ''}\n`,
    );
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const [sub, name] = args.positionals;
  if (!sub) {
    const files = flagAll(args, 'filename');
    if (files.length === 0) throw new CliError('must specify one of -f and -k');
    return createFromFiles(args);
  }
  if (!name) throw new CliError(`exactly one NAME is required, got 0`);
  const session = await connect(args);
  if (sub === 'deployment' || sub === 'deploy') {
    const images = flagAll(args, 'image');
    if (images.length === 0) throw new CliError('required flag(s) "image" not set');
    const replicas = intFlag(args, 'replicas') ?? 1;
    const obj = deploymentFor(name, images, replicas, intFlag(args, 'port'));
    await createGenerated(session, obj, args, 'kubectl-create');
    return 0;
  }
  if (sub === 'namespace' || sub === 'ns') {
    await createGenerated(session, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }, args, 'kubectl-create');
    return 0;
  }
  throw new CliError(`unknown command "${sub}" for "peapod create"`);
}

async function createFromFiles(args: ReturnType<typeof parseArgs>): Promise<number> {
  const manifests = await readManifests(flagAll(args, 'filename'), bool(args, 'recursive'));
  const session = await connect(args);
  let failed = false;
  for (const m of manifests) {
    try {
      const { t, name, namespace } = targetOf(m, session.namespace, session.explicitNamespace);
      const body = structuredClone(m.obj);
      if (namespace) body.metadata = { ...body.metadata, namespace };
      await session.client.request('POST', resourcePath(t, namespace), {
        body,
        query: { fieldManager: 'kubectl-create', fieldValidation: 'Strict' },
      });
      process.stdout.write(`${kindPrefix(t)}/${name} created\n`);
    } catch (e) {
      if (e instanceof StatusError) {
        process.stderr.write(`${formatStatusError(e, `error when creating "${m.source}": `)}\n`);
      } else if (e instanceof CliError) process.stderr.write(`error: ${e.message}\n`);
      else throw e;
      failed = true;
    }
  }
  if (failed) throw new ExitError(1);
  return 0;
}
