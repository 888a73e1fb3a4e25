/** `peapod set image TYPE/NAME CONTAINER=IMAGE…` (also `*=IMAGE`). */
import { GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';
import type { KubeObj } from '../printers/output.js';
import { kindPrefix } from '../resources.js';
import { connect } from '../session.js';
import { objectRefs } from '../target.js';

const SPEC = mergeSpecs(GLOBAL_FLAGS, { values: {}, bools: { all: '', local: '' } });

interface Containers {
  containers?: { name: string; image?: string }[];
  initContainers?: { name: string; image?: string }[];
}

function podSpecOf(obj: KubeObj): { spec: Containers; prefix: string[] } {
  const spec = obj.spec as { template?: { spec?: Containers } } & Containers;
  if (obj.kind === 'Pod') return { spec, prefix: ['spec'] };
  return { spec: spec?.template?.spec ?? {}, prefix: ['spec', 'template', 'spec'] };
}

/** The strategic merge patch kubectl's `set image` sends for `images` (container → image). */
export function setImagePatch(obj: KubeObj, images: Map<string, string>): Record<string, unknown> {
  const { spec, prefix } = podSpecOf(obj);
  const inner: Record<string, unknown> = {};
  for (const list of ['initContainers', 'containers'] as const) {
    const cs = spec[list] ?? [];
    const changed = cs
      .filter((c) => images.has(c.name) || images.has('*'))
      .map((c) => ({ image: images.get(c.name) ?? images.get('*')!, name: c.name }));
    if (changed.length) {
      inner[`$setElementOrder/${list}`] = cs.map((c) => ({ name: c.name }));
      inner[list] = changed;
    }
  }
  for (const name of images.keys()) {
    if (name !== '*' && ![...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c) => c.name === name)) {
      throw new CliError(`unable to find container named "${name}"`);
    }
  }
  let patch: Record<string, unknown> = inner;
  for (const key of [...prefix].reverse()) patch = { [key]: patch };
  return patch;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'image') throw new CliError(`unknown command "${sub ?? ''}" for "peapod set" (supported: image)`);
  const args = parseArgs(rest, SPEC);
  const resources = args.positionals.filter((p) => !p.includes('='));
  const pairs = args.positionals.filter((p) => p.includes('='));
  if (pairs.length === 0) throw new CliError('at least one image update is required');
  const images = new Map(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
  const session = await connect(args);
  for (const ref of objectRefs(resources, session.namespace)) {
    const obj = await session.client.get<KubeObj>(ref.path);
    const patch = setImagePatch(obj, images);
    await session.client.request('PATCH', ref.path, {
      body: patch,
      contentType: 'application/strategic-merge-patch+json',
      query: { fieldManager: 'kubectl-set' },
    });
    process.stdout.write(`${kindPrefix(ref.t)}/${ref.name} image updated\n`);
  }
  return 0;
}
