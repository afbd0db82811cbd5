import type { Model, PassRecord } from '@pimc/ir';
import { onnxOps, PassManager } from '@pimc/ir';
import { allPasses } from '@pimc/passes';
import { referenceKernels } from '@pimc/executor';
import { PimcError } from '@pimc/support';

/**
 * The default float pipeline, top to bottom: what `pimc run` and `pimc inspect` apply to an imported
 * model. Every step is exact (BatchNorm and affine folding up to float rounding), so outputs match the raw
 * import within the conformance tolerance.
 */
export const SIMPLIFY_PIPELINE = [
  'fold-constants',
  'remove-identities',
  'fold-batchnorm',
  'fold-affine',
  'sum-to-add',
  'eliminate-dead-code',
].join(',');

export function createPassManager(): PassManager {
  return new PassManager(allPasses, onnxOps);
}

/** Runs a pipeline with the executor as the constant evaluator. */
export function runPipeline(
  model: Model,
  pipeline: string = SIMPLIFY_PIPELINE,
  options: { seed?: number; verifyEach?: boolean; log?: (m: string) => void } = {},
): { model: Model; records: PassRecord[] } {
  return createPassManager().run(model, pipeline, {
    ...options,
    evaluate: (node, operands) => {
      const kernel = referenceKernels.get(node.op);
      if (kernel === undefined) {
        throw new PimcError('unsupported-op', `no kernel to fold ${node.op}`, { location: { node: node.name, opType: node.op } });
      }
      return kernel.run(operands, node.attrs as never, { node });
    },
  });
}
