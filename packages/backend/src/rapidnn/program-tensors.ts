import type { Node, Value } from '@pimc/ir';
import type { TensorDesc } from '@pimc/isa';
import { PimcError } from '@pimc/support';
import { TensorTable } from '../tensor-table.js';

/**
 * The tensors of a RAPIDNN program. An IR value becomes an f32 tensor or an index tensor (u8 with a
 * codebook); several values may share one tensor (a PimCluster that re-encodes into the codebook
 * its operand already has is the identity), and the lowering adds tensors of its own (the f32
 * decoding of an index tensor, made once and shared by its readers).
 */
export class ProgramTensors {
  private readonly descs: TensorDesc[] = [];
  private readonly byValue = new Map<Value, TensorDesc>();
  private readonly decodings = new Map<number, TensorDesc>();
  private readonly names = new Set<string>();
  /** Resolves value shapes (symbolic batch → the compile batch); its own descriptors are discarded. */
  private readonly shapes: TensorTable;

  constructor(batch: number) {
    this.shapes = new TensorTable(batch);
  }

  /** The static shape of a value. */
  shapeOf(value: Value, node: Node | undefined): readonly number[] {
    return this.shapes.of(value, node).shape;
  }

  /** Creates the tensor of a value: f32, or an index tensor when a codebook is given. */
  define(value: Value, node: Node | undefined, codebook?: Float32Array, name = value.name): TensorDesc {
    if (this.byValue.has(value)) throw new PimcError('internal', `value '${value.name}' got a second program tensor`);
    const desc = this.add(name, this.shapeOf(value, node), codebook);
    this.byValue.set(value, desc);
    return desc;
  }

  /** A tensor that belongs to no IR value (named after `hint`, made unique). */
  add(hint: string, shape: readonly number[], codebook?: Float32Array): TensorDesc {
    let name = hint;
    for (let k = 1; this.names.has(name); k++) name = `${hint}:${k}`;
    this.names.add(name);
    const desc: TensorDesc = {
      id: this.descs.length,
      name,
      type: codebook === undefined ? 'f32' : 'u8',
      shape,
      ...(codebook === undefined ? {} : { codebook }),
    };
    this.descs.push(desc);
    return desc;
  }

  /** Lets a value name an existing tensor. */
  alias(value: Value, desc: TensorDesc): void {
    this.byValue.set(value, desc);
  }

  get(value: Value): TensorDesc | undefined {
    return this.byValue.get(value);
  }

  /** The tensor of a value some earlier instruction produced, or an error naming the reader. */
  existing(value: Value, node: Node): TensorDesc {
    const desc = this.byValue.get(value);
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

  /** The decoding already made for an index tensor, if any. */
  decodingOf(index: TensorDesc): TensorDesc | undefined {
    return this.decodings.get(index.id);
  }

  /** Records `decoded` as the f32 values of `index`. */
  setDecoding(index: TensorDesc, decoded: TensorDesc): void {
    this.decodings.set(index.id, decoded);
  }

  /** Whether a tensor name is taken (so an output can claim its value's name). */
  hasName(name: string): boolean {
    return this.names.has(name);
  }

  all(): TensorDesc[] {
    return [...this.descs];
  }
}
