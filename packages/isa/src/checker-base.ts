import type { Chip } from '@pimc/arch';
import type { Fail } from './pimb-errors.js';
import type { MvmGeometry, Program } from './program.js';

export const U32_MAX = 2 ** 32 - 1;
export const I32_MIN = -(2 ** 31);
export const I32_MAX = 2 ** 31 - 1;

/**
 * What the checkers of a Program share: the program, its chip, the way problems are reported, and
 * the checks of single values (ids, ranges) and of im2col geometry that several instructions use.
 */
export abstract class CheckerBase {
  protected readonly chip: Chip;

  constructor(
    protected readonly program: Program,
    protected readonly fail: Fail,
  ) {
    this.chip = program.chip;
  }

  protected tensorRef(id: number, path: string): void {
    const n = this.program.tensors.length;
    if (!Number.isInteger(id) || id < 0 || id >= n) {
      this.fail(path, `tensor id ${id} is out of range: the program has ${n} tensor${n === 1 ? '' : 's'}${idRange(n)}`);
    }
  }

  /**
   * A layer's im2col geometry: positive sizes, groups dividing both channel counts, and an output
   * size that follows from the input, kernel, strides, dilations and pads. Returns the im2col rows
   * (C/g·R·S) and output channels of one group.
   */
  protected geometry(g: MvmGeometry, gp: string, what: string): { rowsPerGroup: number; channelsPerGroup: number } {
    g.inShape.forEach((d, k) => this.between(d, 1, U32_MAX, `${gp}.inShape[${k}]`, `${what} input dimension`));
    g.outShape.forEach((d, k) => this.between(d, 1, U32_MAX, `${gp}.outShape[${k}]`, `${what} output dimension`));
    g.kernel.forEach((d, k) => this.between(d, 1, U32_MAX, `${gp}.kernel[${k}]`, `${what} kernel size`));
    g.strides.forEach((d, k) => this.between(d, 1, U32_MAX, `${gp}.strides[${k}]`, `${what} stride`));
    g.dilations.forEach((d, k) => this.between(d, 1, U32_MAX, `${gp}.dilations[${k}]`, `${what} dilation`));
    g.pads.forEach((d, k) => this.uint(d, `${gp}.pads[${k}]`, `${what} padding`));
    this.between(g.groups, 1, U32_MAX, `${gp}.groups`, `${what} groups`);
    const [channels] = g.inShape;
    const [outChannels] = g.outShape;
    if (channels % g.groups !== 0 || outChannels % g.groups !== 0) {
      this.fail(
        `${gp}.groups`,
        `${what} has ${g.groups} groups, which divide neither ${channels} input channels nor ${outChannels} output channels evenly`,
      );
    }
    for (const axis of [0, 1] as const) {
      const padded = g.inShape[axis + 1] + g.pads[axis] + g.pads[axis + 2];
      const span = g.dilations[axis] * (g.kernel[axis] - 1) + 1;
      const expected = padded < span ? 0 : Math.floor((padded - span) / g.strides[axis]) + 1;
      if (g.outShape[axis + 1] !== expected) {
        const dim = axis === 0 ? 'height' : 'width';
        this.fail(
          `${gp}.outShape[${axis + 1}]`,
          `${what} output ${dim} is ${g.outShape[axis + 1]}, but input ${dim} ${g.inShape[axis + 1]} with kernel ${g.kernel[axis]}, ` +
            `stride ${g.strides[axis]}, dilation ${g.dilations[axis]} and pads ${g.pads[axis]}+${g.pads[axis + 2]} gives ${expected}`,
        );
      }
    }
    return { rowsPerGroup: (channels / g.groups) * g.kernel[0] * g.kernel[1], channelsPerGroup: outChannels / g.groups };
  }

  protected below(value: number, count: number, path: string, what: string, unit: string): void {
    if (!Number.isInteger(value) || value < 0 || value >= count) {
      this.fail(path, `${what} ${value}, but chip '${this.chip.name}' has ${count} ${unit}${idRange(count)}`);
    }
  }

  protected between(value: number, lo: number, hi: number, path: string, what: string): void {
    if (!Number.isInteger(value) || value < lo || value > hi) {
      this.fail(path, `${what} is ${value}, expected an integer in ${lo}..${hi}`);
    }
  }

  protected uint(value: number, path: string, what: string): void {
    this.between(value, 0, U32_MAX, path, what);
  }

  protected int(value: number, path: string, what: string): void {
    this.between(value, I32_MIN, I32_MAX, path, what);
  }
}

/** ` (ids 0..n-1)`, or nothing when there are none. */
export function idRange(n: number): string {
  return n === 0 ? '' : ` (0..${n - 1})`;
}
