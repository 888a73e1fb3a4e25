import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMiniYaml, UnsupportedYaml } from '../src/mini-yaml.js';

const KUBECONFIG = `apiVersion: v1
kind: Config
preferences: {}
clusters:
- name: "peapod"
  cluster:
    server: "https://127.0.0.1:6443"
    certificate-authority-data: "LS0t"
contexts:
- name: peapod
  context: {cluster: peapod, user: admin}
current-context: "peapod" # comment
`.replace('  context: {cluster: peapod, user: admin}\n', '  context:\n    cluster: peapod\n    user: admin\n');

describe('mini YAML reader', () => {
  it('reads kubeconfig-style block YAML like the yaml package does', () => {
    expect(parseMiniYaml(KUBECONFIG)).toEqual(parse(KUBECONFIG));
  });

  it('reads kubectl-written indentation (sequence items indented under the key)', () => {
    const text = 'clusters:\n  - cluster:\n      server: https://h:1\n    name: c\ncurrent-context: c\n';
    expect(parseMiniYaml(text)).toEqual(parse(text));
  });

  it('reads one-line flow sequences of scalars like the yaml package does', () => {
    const text = [
      'arch: [arm64, arm]',
      'model: ["^Raspberry Pi 4 ", \'it\'\'s, quoted\', "a, b"]',
      "plain: [it's, x y, 10, true]",
      'escaped: ["say \\"hi, there\\"", x]',
      'empty: []',
      'trailing: [a, b, ]',
      '',
    ].join('\n');
    expect(parseMiniYaml(text)).toEqual(parse(text));
  });

  it('refuses what it does not understand, so callers fall back to the full parser', () => {
    expect(() => parseMiniYaml('a: |\n  multi\n  line\n')).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('a: &x 1\n')).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('a: [[1, 2], 3]\n')).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('a: [{k: v}]\n')).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('a: ["open, b]\n')).toThrow(UnsupportedYaml);
  });
});

describe('mini YAML reader: what it reads, it reads like the yaml package', () => {
  const samples = [
    'cpu: 250m\nmemory: 512Mi\nport: 8080\nneg: -3\nflag: true\nnothing: null\nyes: yes\nhash: a#b\n',
    'quoted: "a: b"\nsingle: \'x # y\'\nurl: https://h:1/p\nempty: ""\n',
  ];
  for (const text of samples)
    it(JSON.stringify(text.slice(0, 30)), () => expect(parseMiniYaml(text)).toEqual(parse(text)));

  it('leaves typed or structured plain scalars to the full parser', () => {
    for (const v of [
      '0.5',
      '1e3',
      '+5',
      '0x1F',
      '0o17',
      '.inf',
      '-.Inf',
      '.NaN',
      'True',
      'NULL',
      'FALSE',
      'a: b',
      '- a',
    ])
      expect(() => parseMiniYaml(`k: ${v}\n`), v).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('k: "\\x41"\n')).toThrow(UnsupportedYaml);
    expect(() => parseMiniYaml('k: 1\nk: 2\n')).toThrow(UnsupportedYaml);
  });
});
