import { PimcError } from '@pimc/support';

/** A dimension: a known size, or a symbolic name (`N`, `batch`) bound when inputs arrive. */
export type Dim = number | string;
export type Shape = readonly Dim[];
export type StaticShape = readonly number[];

/**
 * The most elements a tensor may have. Anything larger is refused before allocating: such shapes
 * come from corrupt files or runaway shape arithmetic, and JavaScript typed arrays stop at 2^31
 * elements on some engines anyway.
 */
export const MAX_ELEMENTS = 2 ** 31;

export function isStatic(shape: Shape): shape is StaticShape {
  return shape.every((d) => typeof d === 'number');
}

/** Number of elements, refusing negative, fractional or absurd sizes. */
export function sizeOf(shape: StaticShape, what = 'tensor'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new PimcError('invalid-tensor', `${what} has an invalid dimension ${d} in shape [${shape.join(', ')}]`);
    }
    n *= d;
  }
  if (n > MAX_ELEMENTS) {
    throw new PimcError(
      'shape-too-large',
      `${what} of shape [${shape.join(', ')}] would hold ${n.toExponential(3)} elements, more than the limit of 2^31`,
    );
  }
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: StaticShape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Maps a possibly negative axis into [0, rank), naming the op when it is out of range. */
export function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new PimcError('invalid-attribute', `${what}: axis ${axis} is out of range for rank ${rank}`);
  }
  return a;
}

/**
 * Numpy-style (multidirectional) broadcasting of shapes. Symbolic dimensions broadcast with 1 and
 * with themselves; two different symbols give an unknown dimension written `?`.
 */
export function broadcastShapes(shapes: readonly Shape[], what: string): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s[s.length - rank + i] ?? 1;
      if (d === 1) continue;
      if (dim === 1 || dim === d) {
        dim = d;
      } else if (typeof dim === 'number' && typeof d === 'number') {
        throw new PimcError(
          'shape-mismatch',
          `${what}: shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} cannot be broadcast`,
        );
      } else {
        dim = typeof dim === 'number' ? dim : typeof d === 'number' ? d : '?';
      }
    }
    out.push(dim);
  }
  return out;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function formatShape(shape: Shape | undefined): string {
  return shape === undefined ? '?' : `[${shape.join(',')}]`;
}
