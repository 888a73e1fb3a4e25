import { describe, expect, it } from 'vitest';
import { executeTemplate, relaxedTemplate } from '../src/printers/jsonpath.js';

const list = {
  kind: 'List',
  items: [
    {
      metadata: { name: 'a', labels: { app: 'web' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }], podIP: '10.0.0.1' },
      spec: {
        containers: [
          { name: 'c1', image: 'i1' },
          { name: 'c2', image: 'i2' },
        ],
      },
    },
    {
      metadata: { name: 'b', labels: { app: 'db' } },
      status: { conditions: [{ type: 'Ready', status: 'False' }] },
      spec: { containers: [{ name: 'c3', image: 'i3' }] },
    },
  ],
};

describe('kubectl JSONPath', () => {
  it('selects fields, wildcards and indexes', () => {
    expect(executeTemplate('{.items[*].metadata.name}', list)).toBe('a b');
    expect(executeTemplate('{.items[0].spec.containers[1].image}', list)).toBe('i2');
    expect(executeTemplate('{.items[-1].metadata.name}', list)).toBe('b');
    expect(executeTemplate('{.items[0:1].metadata.name}', list)).toBe('a');
    expect(executeTemplate("{.items[0].metadata.labels['app']}", list)).toBe('web');
  });

  it('supports range/end, literals and recursive descent', () => {
    expect(executeTemplate('{range .items[*]}{.metadata.name}{"\\t"}{.status.podIP}{"\\n"}{end}', list)).toBe(
      'a\t10.0.0.1\nb\t\n',
    );
    expect(executeTemplate('{..image}', list)).toBe('i1 i2 i3');
    expect(executeTemplate('names: {.items[*].metadata.name}!', list)).toBe('names: a b!');
  });

  it('supports filters', () => {
    expect(executeTemplate('{.items[?(@.status.conditions[0].status=="True")].metadata.name}', list)).toBe('a');
    expect(executeTemplate('{.items[0].status.conditions[?(@.type=="Ready")].status}', list)).toBe('True');
    expect(executeTemplate('{.items[?(@.status.podIP)].metadata.name}', list)).toBe('a');
  });

  it('prints objects as JSON with sorted keys like Go', () => {
    expect(executeTemplate('{.items[0].metadata}', list)).toBe('{"labels":{"app":"web"},"name":"a"}');
  });

  it('relaxes custom-columns expressions', () => {
    expect(relaxedTemplate('.metadata.name')).toBe('{.metadata.name}');
    expect(relaxedTemplate('metadata.name')).toBe('{.metadata.name}');
  });

  it('rejects malformed templates', () => {
    expect(() => executeTemplate('{range .items[*]}{.x}', list)).toThrow(/unclosed range/);
    expect(() => executeTemplate('{end}', list)).toThrow(/not in range/);
  });
});
