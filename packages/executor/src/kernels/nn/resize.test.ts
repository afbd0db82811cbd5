import { describe, expect, it } from 'vitest';
import { GraphBuilder, onnxOps, Tensor, Value, type Attrs } from '@pimc/ir';
import { isPimcError } from '@pimc/support';
import { runGraph } from '../../run.js';

function run(operands: readonly (Tensor | undefined)[], attrs: Attrs = {}): Tensor {
  const builder = new GraphBuilder(onnxOps);
  const inputs = operands.map((t, i) => (t === undefined ? undefined : Value.ofConstant(`in${i}`, t)));
  const node = builder.add('Resize', inputs, { name: 'Resize', attrs });
  const graph = { name: 'g', inputs: [], outputs: node.outputs, nodes: builder.nodes };
  const result = runGraph(graph, new Map()).outputs.get(node.outputs[0]!.name)!;
  expect(result.shape).toEqual(node.outputs[0]!.type.shape);
  return result;
}

const f32 = (shape: number[], values: number[]) => Tensor.from('float32', shape, values);
const scales = (...v: number[]) => f32([v.length], v);
const sizes = (...v: number[]) => Tensor.from('int64', [v.length], v);
const row = (...v: number[]) => f32([1, 1, 1, v.length], v);

describe('Resize', () => {
  it('repeats elements for nearest upsampling', () => {
    const y = run([row(1, 2), undefined, scales(1, 1, 1, 2)], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric' });
    expect(y.shape).toEqual([1, 1, 1, 4]);
    expect(y.toNumbers()).toEqual([1, 1, 2, 2]);
  });

  it('breaks ties per nearest_mode', () => {
    const x = row(1, 2, 3, 4);
    expect(run([x, undefined, scales(1, 1, 1, 0.5)], { nearest_mode: 'round_prefer_floor' }).toNumbers()).toEqual([1, 3]);
    expect(run([x, undefined, scales(1, 1, 1, 0.5)], { nearest_mode: 'round_prefer_ceil' }).toNumbers()).toEqual([2, 4]);
    const up = { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'ceil' };
    expect(run([row(1, 2), undefined, scales(1, 1, 1, 3)], up).toNumbers()).toEqual([1, 2, 2, 2, 2, 2]);
    expect(run([row(1, 2), undefined, scales(1, 1, 1, 3)], { ...up, nearest_mode: 'floor' }).toNumbers()).toEqual([
      1, 1, 1, 2, 2, 2,
    ]);
  });

  it('interpolates linearly under each coordinate transformation', () => {
    expect(
      run([row(0, 2), undefined, undefined, sizes(1, 1, 1, 3)], {
        mode: 'linear',
        coordinate_transformation_mode: 'align_corners',
      }).toNumbers(),
    ).toEqual([0, 1, 2]);
    expect(run([row(1, 2, 3, 4), undefined, scales(1, 1, 1, 0.5)], { mode: 'linear' }).toNumbers()).toEqual([1.5, 3.5]);
    expect(
      run([row(0, 4), undefined, scales(1, 1, 1, 2)], {
        mode: 'linear',
        coordinate_transformation_mode: 'asymmetric',
      }).toNumbers(),
    ).toEqual([0, 2, 4, 4]);
    expect(run([row(0, 4), undefined, scales(1, 1, 1, 2)], { mode: 'linear' }).toNumbers()).toEqual([0, 1, 3, 4]);
    expect(
      run([row(0, 4), undefined, undefined, sizes(1, 1, 1, 1)], {
        mode: 'linear',
        coordinate_transformation_mode: 'pytorch_half_pixel',
      }).toNumbers(),
    ).toEqual([0]);
  });

  it('interpolates 2-D bilinearly', () => {
    const x = f32([1, 1, 2, 2], [0, 1, 2, 3]);
    const y = run([x, undefined, undefined, sizes(1, 1, 3, 3)], {
      mode: 'linear',
      coordinate_transformation_mode: 'align_corners',
    });
    expect(y.toNumbers()).toEqual([0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
  });

  it('resizes only the listed axes and treats empty scales as absent', () => {
    const x = f32([1, 1, 2, 2], [1, 2, 3, 4]);
    const y = run([x, undefined, scales(2)], { axes: [-1], coordinate_transformation_mode: 'asymmetric' });
    expect(y.shape).toEqual([1, 1, 2, 4]);
    expect(y.toNumbers()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    const z = run([x, f32([0], []), f32([0], []), sizes(1, 1, 1, 1)], {});
    expect(z.shape).toEqual([1, 1, 1, 1]);
  });

  it('keeps the aspect ratio when asked', () => {
    const x = f32([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
    const y = run([x, undefined, undefined, sizes(4, 4)], { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' });
    expect(y.shape).toEqual([1, 1, 2, 4]);
    const z = run([x, undefined, undefined, sizes(4, 4)], { axes: [2, 3], keep_aspect_ratio_policy: 'not_smaller' });
    expect(z.shape).toEqual([1, 1, 4, 8]);
  });

  it('resamples integer tensors with nearest', () => {
    const y = run([Tensor.from('uint8', [1, 2], [7, 9]), undefined, scales(2, 1)], {
      coordinate_transformation_mode: 'asymmetric',
    });
    expect(y.dtype).toBe('uint8');
    expect(y.toNumbers()).toEqual([7, 9, 7, 9]);
  });

  it('refuses tf_crop_and_resize and both scales and sizes', () => {
    const expectCode = (f: () => unknown, code: string) => {
      try {
        f();
        throw new Error('expected an error');
      } catch (e) {
        expect(isPimcError(e) ? e.code : e).toBe(code);
      }
    };
    expectCode(
      () => run([row(1, 2), undefined, scales(1, 1, 1, 2)], { coordinate_transformation_mode: 'tf_crop_and_resize' }),
      'unsupported-attribute',
    );
    expectCode(() => run([row(1, 2), undefined, scales(1, 1, 1, 2), sizes(1, 1, 1, 4)]), 'invalid-input');
    expectCode(() => run([row(1, 2)]), 'invalid-input');
  });
});
