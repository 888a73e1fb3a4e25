import { chmodSync, writeFileSync } from 'node:fs';

/**
 * A kubeconfig the real kubectl uses as is: one cluster, one user (the admin bearer token), one
 * context, current. Written as YAML by hand (every value is a quoted scalar).
 */
export interface KubeconfigInput {
  server: string;
  /** PEM of the CA that signed the server certificate; omitted for plain http. */
  caPem?: string;
  token: string;
  context: string;
  namespace?: string;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

export function renderKubeconfig(input: KubeconfigInput): string {
  const name = input.context;
  const cluster = [`- name: ${quote(name)}`, '  cluster:', `    server: ${quote(input.server)}`];
  if (input.caPem) {
    cluster.push(`    certificate-authority-data: ${quote(Buffer.from(input.caPem).toString('base64'))}`);
  }
  const context = [
    `- name: ${quote(name)}`,
    '  context:',
    `    cluster: ${quote(name)}`,
    `    user: ${quote(`${name}-admin`)}`,
  ];
  if (input.namespace) context.push(`    namespace: ${quote(input.namespace)}`);
  return [
    'apiVersion: v1',
    'kind: Config',
    'preferences: {}',
    'clusters:',
    ...cluster,
    'users:',
    `- name: ${quote(`${name}-admin`)}`,
    '  user:',
    `    token: ${quote(input.token)}`,
    'contexts:',
    ...context,
    `current-context: ${quote(name)}`,
    '',
  ].join('\n');
}

/** Writes the kubeconfig with mode 0600 (it holds the admin token). */
export function writeKubeconfig(path: string, input: KubeconfigInput): void {
  writeFileSync(path, renderKubeconfig(input), { mode: 0o600 });
  chmodSync(path, 0o600);
}
