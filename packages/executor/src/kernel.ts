import { PimcError } from '@pimc/support';
import type { AttrSchema, AttrsOf, Node, OpSchema, Tensor } from '@pimc/ir';

/** What a kernel may know besides its operands: the node it runs, for error messages. */
export interface KernelContext {
  readonly node: Node;
}

/**
 * The semantics of one op: operand tensors in, result tensors out (one per node output). Kernels
 * never write into their inputs. Omitted optional operands arrive as `undefined`.
 */
export interface Kernel<S extends AttrSchema = AttrSchema> {
  readonly op: string;
  run(inputs: readonly (Tensor | undefined)[], attrs: AttrsOf<S>, ctx: KernelContext): Tensor[];
}

/** Declares the kernel of an op, typed by the op's schema. */
export function kernel<S extends AttrSchema>(
  op: OpSchema<S>,
  run: (inputs: readonly (Tensor | undefined)[], attrs: AttrsOf<S>, ctx: KernelContext) => Tensor[],
): Kernel {
  return { op: op.name, run: run as Kernel['run'] };
}

/** An explicit list of kernels; registering an op twice is an error. */
export class KernelRegistry {
  private readonly byOp = new Map<string, Kernel>();

  constructor(groups: readonly (readonly Kernel[])[]) {
    for (const group of groups) {
      for (const k of group) {
        if (this.byOp.has(k.op)) throw new PimcError('internal', `kernel for ${k.op} registered twice`);
        this.byOp.set(k.op, k);
      }
    }
  }

  get(op: string): Kernel | undefined {
    return this.byOp.get(op);
  }

  ops(): string[] {
    return [...this.byOp.keys()].sort();
  }
}

/** An operand that must be present, with a message naming the op and the operand. */
export function operand(inputs: readonly (Tensor | undefined)[], index: number, ctx: KernelContext, name: string): Tensor {
  const t = inputs[index];
  if (t === undefined) {
    throw new PimcError('invalid-input', `input ${index} (${name}) is missing`, {
      location: { node: ctx.node.name, opType: ctx.node.op },
    });
  }
  return t;
}
