/** `peapod version [--client] [-o json|yaml]`. */
import { bool, flag, GLOBAL_FLAGS, mergeSpecs, parseArgs } from '../args.js';
import { CliError } from '../errors.js';

export const CLIENT_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v0.1.0-peapod',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

const SPEC = mergeSpecs(GLOBAL_FLAGS, { values: { output: 'o' }, bools: { client: '' } });

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, SPEC);
  const output = flag(args, 'output');
  if (output && output !== 'json' && output !== 'yaml') throw new CliError("--output must be 'yaml' or 'json'");
  const result: Record<string, unknown> = { clientVersion: CLIENT_VERSION };
  let serverError: unknown;
  if (!bool(args, 'client')) {
    try {
      const { connect } = await import('../session.js');
      const session = await connect(args);
      result.serverVersion = await session.client.get('/version');
    } catch (e) {
      serverError = e;
    }
  }
  if (output) {
    const { toJson, toYaml } = await import('../printers/output.js');
    process.stdout.write(output === 'json' ? toJson(result) : await toYaml(result));
  } else {
    process.stdout.write(`Client Version: ${CLIENT_VERSION.gitVersion}\n`);
    const sv = result.serverVersion as { gitVersion?: string } | undefined;
    if (sv) process.stdout.write(`Server Version: ${sv.gitVersion ?? 'unknown'}\n`);
  }
  if (serverError) throw serverError;
  return 0;
}
