import { PimcError } from '@pimc/support';
import type { AttrSchema, AttrsOf } from './attrs.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** A value's static type. The shape is undefined when not even the rank is known. */
export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape | undefined;
}

/** What shape inference knows of one input: its type and, for constants, its value. */
export interface InferInput extends TensorType {
  readonly value?: Tensor | undefined;
}

export interface InputSpec {
  readonly name: string;
  /** May be omitted (an empty name in ONNX). */
  readonly optional?: boolean;
  /** Takes all remaining inputs (Concat, Sum, ...); at least one unless also optional. */
  readonly variadic?: boolean;
}

export type OpCategory = 'nn' | 'activation' | 'elementwise' | 'shape' | 'reduction' | 'quantization' | 'constant' | 'pim';

/**
 * Everything the IR knows of one op: its operands, attributes (as a schema), how result types follow
 * from operand types, and how much arithmetic it does. The executor supplies the semantics
 * separately, keyed by the same name.
 */
export interface OpSchema<S extends AttrSchema = AttrSchema> {
  /** ONNX spelling, such as `Conv`. */
  readonly name: string;
  readonly category: OpCategory;
  readonly summary: string;
  readonly inputs: readonly InputSpec[];
  /** Output names; a trailing `?` marks an optional output (BatchNormalization's running mean). */
  readonly outputs: readonly string[];
  /** Number of outputs produced for a node when it depends on attributes (Split). */
  outputCount?(attrs: AttrsOf<S>, inputs: readonly (InferInput | undefined)[]): number;
  readonly attrs: S;
  /** Result types from operand types; throws PimcError (shape-mismatch, invalid-attribute) when illegal. */
  infer(inputs: readonly (InferInput | undefined)[], attrs: AttrsOf<S>, outputCount: number): TensorType[];
  /** Multiply-accumulates for one inference, given static types; absent means none worth counting. */
  macs?(inputs: readonly (InferInput | undefined)[], outputs: readonly TensorType[], attrs: AttrsOf<S>): number;
}

/** Declares an op schema; the identity function, there to infer the attribute types. */
export function defineOp<S extends AttrSchema>(schema: OpSchema<S>): OpSchema<S> {
  return schema;
}

/** A closed op catalogue, refusing duplicate names. */
export class OpCatalogue {
  private readonly byName = new Map<string, OpSchema>();

  constructor(groups: readonly (readonly OpSchema<AttrSchema>[])[]) {
    for (const group of groups) {
      for (const op of group) {
        if (this.byName.has(op.name)) throw new PimcError('internal', `op ${op.name} is declared twice`);
        this.byName.set(op.name, op as OpSchema);
      }
    }
  }

  get(name: string): OpSchema | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): OpSchema[] {
    return [...this.byName.values()];
  }
}

/** Fetches a required input, naming op and operand when it is missing. */
export function required(inputs: readonly (InferInput | undefined)[], index: number, op: string, name: string): InferInput {
  const input = inputs[index];
  if (input === undefined) throw new PimcError('invalid-input', `${op} needs input ${index} (${name})`);
  return input;
}
