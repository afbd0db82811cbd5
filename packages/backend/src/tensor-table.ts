import type { DType, Node, Value } from '@pimc/ir';
import type { ElementType, TensorDesc } from '@pimc/isa';
import { PimcError } from '@pimc/support';

/** Quantization of a u8/i8 tensor: real = scale · (q − zeroPoint). */
export interface Quantization {
  readonly scale: number;
  readonly zeroPoint: number;
}

const ELEMENT_TYPES: Partial<Record<DType, ElementType>> = { uint8: 'u8', int8: 'i8', int32: 'i32', float32: 'f32' };

/**
 * The program's tensor descriptors, one per IR value in first-use order. Shapes are made static:
 * a symbolic leading (batch) dimension becomes the compile batch; any other symbolic dimension is
 * an error, since the chip's buffers and crossbar schedule are fixed at compile time.
 */
export class TensorTable {
  private readonly descs = new Map<Value, TensorDesc>();

  constructor(private readonly batch: number) {}

  /** The descriptor of a value (created on first use). */
  of(value: Value, node: Node | undefined, quantization?: Quantization): TensorDesc {
    const known = this.descs.get(value);
    if (known !== undefined) return known;
    const where = node === undefined ? {} : { location: { node: node.name, opType: node.op } };
    const type = ELEMENT_TYPES[value.type.dtype];
    if (type === undefined) {
      throw new PimcError(
        'unsupported-dtype',
        `value '${value.name}' is ${value.type.dtype}; programs hold u8, i8, i32 and f32`,
        where,
      );
    }
    const shape = value.type.shape;
    if (shape === undefined) throw new PimcError('unsupported-model', `value '${value.name}' has an unknown shape`, where);
    const resolved = shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return this.batch;
      throw new PimcError('unsupported-model', `value '${value.name}' has symbolic dimension '${d}' on axis ${i}`, {
        ...where,
        notes: ['only the leading (batch) dimension may be symbolic; give the model static shapes'],
      });
    });
    const desc: TensorDesc = {
      id: this.descs.size,
      name: value.name,
      type,
      shape: resolved,
      ...(quantization === undefined ? {} : { scale: quantization.scale, zeroPoint: quantization.zeroPoint }),
    };
    this.descs.set(value, desc);
    return desc;
  }

  /** The descriptor of a value some earlier node produced, or an error naming the reader. */
  existing(value: Value, node: Node): TensorDesc {
    const desc = this.descs.get(value);
    if (desc === undefined) {
      throw new PimcError('unsupported-model', `'${value.name}' is read here but nothing in the program produces it`, {
        location: { node: node.name, opType: node.op },
        notes: [
          value.constant !== undefined ? 'constant operands of digital ops are not supported' : 'its producer was not lowered',
        ],
      });
    }
    return desc;
  }

  has(value: Value): boolean {
    return this.descs.has(value);
  }

  all(): TensorDesc[] {
    return [...this.descs.values()];
  }
}
