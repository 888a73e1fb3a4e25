import { describe, expect, it } from 'vitest';
import { asList, customColumns, parseOutputFlag, printObjects, toJson } from '../src/printers/output.js';
import { formatLabels, type Table, TablePrinter, tableCells } from '../src/printers/table.js';
import { expandTypes, noResourcesMessage } from '../src/verbs/get.js';

const pods = [
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'a', namespace: 'default' },
    spec: { containers: [{ image: 'x' }, { image: 'y' }] },
  },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bb', namespace: 'default' }, spec: { containers: [] } },
];

describe('output formats', () => {
  it('parses -o values and rejects unknown ones with kubectl wording', () => {
    expect(parseOutputFlag('jsonpath={.a}')).toEqual({ kind: 'jsonpath', arg: '{.a}' });
    expect(parseOutputFlag(undefined)).toEqual({ kind: 'table' });
    expect(() => parseOutputFlag('xml')).toThrow(/unable to match a printer suitable for the output format "xml"/);
    expect(() => parseOutputFlag('jsonpath')).toThrow('template format specified but no template given');
  });

  it('prints -o name, json (4-space, sorted keys) and List wrappers', async () => {
    expect(await printObjects(pods, { kind: 'name' }, { single: false })).toBe('pod/a\npod/bb\n');
    expect(toJson({ b: 1, a: { d: 2, c: 3 } })).toBe(
      '{\n    "a": {\n        "c": 3,\n        "d": 2\n    },\n    "b": 1\n}\n',
    );
    expect(asList([])).toEqual({ apiVersion: 'v1', items: [], kind: 'List', metadata: { resourceVersion: '' } });
    const yaml = await printObjects([pods[1]], { kind: 'yaml' }, { single: true });
    expect(yaml).toBe(
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bb\n  namespace: default\nspec:\n  containers: []\n',
    );
  });

  it('prints custom columns with <none> for missing values and comma-joined lists', () => {
    expect(customColumns('NAME:.metadata.name,IMAGES:.spec.containers[*].image', pods, false)).toBe(
      'NAME   IMAGES\na      x,y\nbb     <none>\n',
    );
  });
});

describe('table printing', () => {
  const table: Table = {
    kind: 'Table',
    columnDefinitions: [{ name: 'Name', format: 'name' }, { name: 'Ready' }, { name: 'IP', priority: 1 }],
    rows: [
      {
        cells: ['web-1', '1/1', '10.0.0.1'],
        object: { metadata: { name: 'web-1', namespace: 'prod', labels: { b: '2', a: '1' } } },
      },
    ],
  };
  it('hides priority columns unless wide, and adds NAMESPACE, LABELS and kind prefixes', () => {
    expect(tableCells(table, {})).toEqual({ header: ['NAME', 'READY'], rows: [['web-1', '1/1']] });
    expect(tableCells(table, { wide: true, withNamespace: true, showLabels: true, kindPrefix: 'pod' })).toEqual({
      header: ['NAMESPACE', 'NAME', 'READY', 'IP', 'LABELS'],
      rows: [['prod', 'pod/web-1', '1/1', '10.0.0.1', 'a=1,b=2']],
    });
    expect(formatLabels({})).toBe('<none>');
  });
  it('prints the header once (watch) and honours --no-headers', () => {
    const p = new TablePrinter({});
    expect(p.print(table)).toBe('NAME    READY\nweb-1   1/1\n');
    expect(p.print(table)).toBe('web-1   1/1\n');
    expect(new TablePrinter({ noHeaders: true }).print(table)).toBe('web-1   1/1\n');
  });
});

describe('get helpers', () => {
  it('expands all and comma lists, and words the empty message like kubectl', () => {
    expect(expandTypes('all').map((t) => t.plural)).toEqual(['pods', 'services', 'deployments', 'replicasets']);
    expect(expandTypes('po,deploy').map((t) => t.plural)).toEqual(['pods', 'deployments']);
    expect(() => expandTypes('gizmo')).toThrow('the server doesn\'t have a resource type "gizmo"');
    const [pod, node] = [expandTypes('po')[0], expandTypes('no')[0]];
    expect(noResourcesMessage(pod, 'default')).toBe('No resources found in default namespace.');
    expect(noResourcesMessage(pod, undefined)).toBe('No resources found');
    expect(noResourcesMessage(node, 'default')).toBe('No resources found');
  });
});
