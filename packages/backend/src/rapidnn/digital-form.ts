import { poolGeometry, type AveragePoolAttrs, type MaxPoolAttrs, type Node } from '@pimc/ir';
import type { DigitalOp, TensorDesc } from '@pimc/isa';
import { PimcError } from '@pimc/support';
import { lowerDigital } from '../lower-digital.js';
import { clampOf, INDEX_PRESERVING_OPS } from './fusion.js';

type Attrs = DigitalOp['attrs'];

/** A digital op of a RAPIDNN program before tensor ids are known. */
export interface DigitalForm {
  readonly kind: DigitalOp['kind'];
  readonly attrs: Attrs;
  /** Indices of the node's operands that are program tensors (the rest are constants the attributes hold). */
  readonly operands: readonly number[];
}

function unsupported(node: Node, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-model', message, { location: { node: node.name, opType: node.op }, notes });
}

/** A clamp's attributes: its finite bounds (an absent bound is no bound, rapidnn-contract f32 `clamp`). */
function clampAttrs([lo, hi]: readonly [number, number]): Attrs {
  return { ...(lo === -Infinity ? {} : { min: lo }), ...(hi === Infinity ? {} : { max: hi }) };
}

/** {kernel, strides, pads, dilations} of a whole-plane window (global pooling). */
function globalWindow(spatial: readonly number[]): Attrs {
  const ones = spatial.map(() => 1);
  return { kernel: [...spatial], strides: ones, pads: [...ones, ...ones].map(() => 0), dilations: ones };
}

function window(node: Node, x: TensorDesc, a: MaxPoolAttrs | AveragePoolAttrs): Attrs {
  const spatial = x.shape.length - 2;
  if (spatial < 1 || spatial > 2) unsupported(node, 'only 1-D and 2-D pools run on the digital units');
  const g = poolGeometry(x.shape, a, node.op);
  return { kernel: [...g.kernel], strides: [...g.strides], pads: [...g.pads], dilations: [...g.dilations] };
}

/**
 * The digital op of a non-layer node of the clustered float model (rapidnn-contract: f32 ops
 * computed in f64 and rounded once; max pooling and reshapes also on index tensors, which keep their
 * codebook). `x` is the first operand's tensor and `y` the result's: index tensors only for the
 * index-preserving ops and Concat. Attributes follow the simulator's digital kernels with the
 * quantization attributes left out.
 */
export function digitalForm(node: Node, x: TensorDesc, y: TensorDesc): DigitalForm {
  const index = x.codebook !== undefined;
  if (index && !INDEX_PRESERVING_OPS.has(node.op) && node.op !== 'Concat') {
    throw new PimcError('internal', `${node.op} '${node.name}' got an index operand; it runs on decoded values`);
  }
  const clamp = clampOf(node);
  if (clamp !== undefined) return { kind: 'clamp', attrs: clampAttrs(clamp), operands: [0] };
  switch (node.op) {
    case 'Clip':
      return unsupported(node, 'Clip needs constant scalar bounds');
    case 'MaxPool':
      if (node.outputs.length > 1) unsupported(node, 'MaxPool with an Indices result has no digital-unit form');
      return { kind: 'maxpool', attrs: window(node, x, node.attrs as MaxPoolAttrs), operands: [0] };
    case 'GlobalMaxPool':
      return { kind: 'maxpool', attrs: globalWindow(x.shape.slice(2)), operands: [0] };
    case 'AveragePool': {
      const a = node.attrs as AveragePoolAttrs;
      return {
        kind: 'avgpool',
        attrs: { ...window(node, x, a), countIncludePad: a.count_include_pad === 0 ? 0 : 1 },
        operands: [0],
      };
    }
    case 'GlobalAveragePool':
      return { kind: 'avgpool', attrs: { ...globalWindow(x.shape.slice(2)), countIncludePad: 0 }, operands: [0] };
    case 'Add':
      if (node.inputs.some((v) => v?.constant !== undefined)) {
        unsupported(node, 'Add of a constant runs nowhere on the chip', [
          'a constant per-channel Add right after a Conv, Gemm or MatMul is folded into its bias; elsewhere it is not supported',
        ]);
      }
      return { kind: 'add', attrs: {}, operands: [0, 1] };
    case 'Concat':
    case 'Transpose':
    case 'Softmax':
    case 'LRN':
      return lowerDigital(node, x, y);
    default:
      if (INDEX_PRESERVING_OPS.has(node.op)) return { kind: 'reshape', attrs: {}, operands: [0] };
      return unsupported(node, `${node.op} has no RAPIDNN form (lookup table, CAM or digital unit)`, [
        'RAPIDNN lowers Conv, Gemm and MatMul with constant weights, PimCluster, Relu, Clip, MaxPool, AveragePool, ' +
          'GlobalAveragePool, GlobalMaxPool, Add, Concat, Transpose, Softmax, LRN and reshapes',
      ]);
  }
}
