import type { Chip } from '@pimc/arch';
import { runGraph } from '@pimc/executor';
import { onnxOps, PassManager, Tensor, type Model, type PassRecord } from '@pimc/ir';
import { allPasses, raellaEncodeWith, raellaSliceWith } from '@pimc/passes';
import { firstImages, type Feeds } from './calibration.js';

/** The crossbar layers of the quantized dialect, whose inputs the RAELLA passes calibrate on. */
const CROSSBAR_LAYERS = new Set(['PimQConv', 'PimQGemm']);

/**
 * Calibration images the RAELLA passes look at [ours]: enough for 256 sampled im2col vectors of
 * every convolution, and as many vectors as images for a fully connected layer.
 */
export const RAELLA_CALIBRATION_IMAGES = 256;

/**
 * The input codes of every crossbar layer over the calibration runs (batches concatenated, at most
 * `maxImages` images), by node name: what raella-encode estimates its input-bit probabilities from
 * and raella-slice samples its vectors from. The quantized model runs on the exact integer kernels.
 */
export function captureLayerInputs(
  model: Model,
  feeds: readonly Feeds[],
  maxImages = RAELLA_CALIBRATION_IMAGES,
): Map<string, Tensor> {
  const layers = model.graph.nodes.filter((n) => CROSSBAR_LAYERS.has(n.op));
  const parts = new Map<string, Tensor[]>(layers.map((n) => [n.name, []]));
  let images = 0;
  for (const feed of feeds) {
    if (images >= maxImages) break;
    const batch = Math.min(batchOf(feed), maxImages - images);
    const run = runGraph(model.graph, firstImages(feed, batch), { keepIntermediates: true });
    for (const node of layers) {
      const x = run.values.get(node.inputs[0]!);
      if (x !== undefined) parts.get(node.name)!.push(x);
    }
    images += batch;
  }
  return new Map([...parts].filter(([, ts]) => ts.length > 0).map(([name, ts]) => [name, concatBatches(ts)]));
}

/**
 * The RAELLA passes a chip calls for, as pipeline text: Center+Offset when it has the hardware,
 * adaptive weight slicing when its shift-add units allow any slicing, speculation when its DACs
 * and ADC flags support it. Empty for a chip without any of them (ISAAC).
 */
export function raellaPipeline(chip: Chip): string {
  const macro = chip.tiles.macro;
  if (macro === undefined) return '';
  const rows = macro.crossbar.rows;
  const steps: string[] = [];
  if (macro.centerOffset !== undefined && macro.crossbar.cell === 'differential-2t2r') {
    steps.push(`raella-encode{rows=${rows},centerBits=${macro.centerOffset.centerBits >= 8 ? 8 : 4}}`);
  }
  if (macro.weightSlicing === 'adaptive') {
    steps.push(`raella-slice{rows=${rows},adcBits=${macro.adc.bits},maxBitsPerCell=${macro.crossbar.bitsPerCell}}`);
  }
  if (macro.speculation !== undefined) steps.push(`raella-speculate{slices=${macro.speculation.sliceBits.join('-')}}`);
  return steps.join(',');
}

export interface RaellaResult {
  readonly model: Model;
  /** The pipeline run ('' when the chip needs none). */
  readonly pipeline: string;
  readonly records: readonly PassRecord[];
  /** The calibration inputs of the crossbar layers, for reports (empty when no pass ran). */
  readonly layerInputs: ReadonlyMap<string, Tensor>;
}

/** Runs the chip's RAELLA passes on a quantized model, calibrated on `feeds`. */
export function applyRaella(
  model: Model,
  chip: Chip,
  feeds: readonly Feeds[],
  options: { seed?: number; log?: (message: string) => void } = {},
): RaellaResult {
  const pipeline = raellaPipeline(chip);
  if (pipeline === '') return { model, pipeline, records: [], layerInputs: new Map() };
  const layerInputs = captureLayerInputs(model, feeds);
  const passes = [...allPasses, raellaEncodeWith(layerInputs), raellaSliceWith(layerInputs)];
  const byName = new Map(passes.map((p) => [p.name, p]));
  const run = new PassManager([...byName.values()], onnxOps).run(model, pipeline, {
    seed: options.seed ?? 0,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { model: run.model, pipeline, records: run.records, layerInputs };
}

function batchOf(feed: Feeds): number {
  const first = [...feed.values()][0];
  return first === undefined || first.rank === 0 ? 1 : first.shape[0]!;
}

/** Tensors of one shape but the batch, concatenated along the batch axis. */
function concatBatches(parts: readonly Tensor[]): Tensor {
  if (parts.length === 1) return parts[0]!;
  const first = parts[0]!;
  const batch = parts.reduce((n, t) => n + t.shape[0]!, 0);
  const data = new (first.data.constructor as new (n: number) => typeof first.data)(parts.reduce((n, t) => n + t.size, 0));
  let at = 0;
  for (const t of parts) {
    (data as Uint8Array).set(t.data as Uint8Array, at);
    at += t.size;
  }
  return new Tensor(first.dtype, [batch, ...first.shape.slice(1)], data as never);
}
