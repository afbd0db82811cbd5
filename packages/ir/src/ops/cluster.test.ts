import { describe, expect, it } from 'vitest';
import { isPimcError } from '@pimc/support';
import { GraphBuilder, Value, type Attrs } from '../graph.js';
import { onnxOps } from './catalogue.js';
import { clusterBoundaries, clusterIndex } from './cluster.js';

const x = new Value('x', { dtype: 'float32', shape: ['N', 3] });
const build = (attrs: Attrs, input: Value = x) => new GraphBuilder(onnxOps).add('PimCluster', [input], { attrs });

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isPimcError(e) ? e.code : 'not a PimcError';
  }
  return undefined;
}

describe('PimCluster schema', () => {
  it('keeps the float32 type and shape', () => {
    const node = build({ centroids: [-1, 0, 0.5] });
    expect(node.outputs[0]!.type).toEqual({ dtype: 'float32', shape: ['N', 3] });
  });

  it.each([
    ['no centroids', []],
    ['257 centroids', Array.from({ length: 257 }, (_, i) => i)],
    ['descending', [0, 1, 0.5]],
    ['a repeat', [0, 0.5, 0.5]],
    ['NaN', [0, NaN]],
    ['an infinity', [0, Infinity]],
    ['a value float32 cannot hold', [0, 0.1]],
  ])('refuses %s with invalid-attribute', (_what, centroids) => {
    expect(codeOf(() => build({ centroids }))).toBe('invalid-attribute');
  });

  it('accepts 256 centroids', () => {
    expect(codeOf(() => build({ centroids: Array.from({ length: 256 }, (_, i) => i) }))).toBeUndefined();
  });

  it('refuses a non-float32 operand', () => {
    const i8 = new Value('q', { dtype: 'int8', shape: [3] });
    expect(codeOf(() => build({ centroids: [0] }, i8))).toBe('invalid-input');
  });
});

describe('cluster boundaries', () => {
  it('put a value on a midpoint into the lower cluster and NaN into the first', () => {
    const bounds = clusterBoundaries([0, 1, 3]);
    expect(Array.from(bounds)).toEqual([0.5, 2]);
    expect([0.5, 0.5000001, 2, 2.0000001, NaN, -5, 9].map((v) => clusterIndex(bounds, v))).toEqual([0, 1, 1, 2, 0, 0, 2]);
  });
});
