import { pimOutputQuantization, type Model, type Node, type Tensor, type TypedArray, type OutputQuantization } from '@pimc/ir';
import { runGraph } from '@pimc/executor';
import { quantizedValueNames } from '@pimc/passes';
import type { Feeds } from './calibration.js';
import { argmax } from './argmax.js';

/** How far a quantized tensor is from its float reference, over all evaluation inputs. */
export interface ErrorStatistics {
  readonly elements: number;
  readonly maxAbsError: number;
  /** Root mean square of the error. */
  readonly rmsError: number;
  /** Cosine similarity of the dequantized tensor and the float one (1 when both are zero). */
  readonly cosine: number;
  /** Largest |reference| value, to put the errors in scale. */
  readonly referenceMaxAbs: number;
}

/** One quantized layer: its dequantized result against the float value it stands for. */
export interface LayerError extends ErrorStatistics {
  /** Node name (the float layer's name). */
  readonly layer: string;
  readonly op: string;
  /** The float value compared with. */
  readonly value: string;
}

export interface OutputError extends ErrorStatistics {
  readonly output: string;
  /** For [N, classes] outputs: the fraction of rows whose argmax agrees with the float model's. */
  readonly top1Agreement?: number;
}

export interface QuantizationReport {
  readonly layers: readonly LayerError[];
  readonly outputs: readonly OutputError[];
}

class ErrorAccumulator {
  private n = 0;
  private maxAbs = 0;
  private squares = 0;
  private dot = 0;
  private normA = 0;
  private normB = 0;
  private refMax = 0;
  private agree = 0;
  private rows = 0;

  add(actual: ArrayLike<number>, reference: ArrayLike<number>): void {
    for (let i = 0; i < reference.length; i++) {
      const a = actual[i]!;
      const r = reference[i]!;
      const e = Math.abs(a - r);
      if (e > this.maxAbs || Number.isNaN(e)) this.maxAbs = Number.isNaN(e) ? Infinity : e;
      this.squares += e * e;
      this.dot += a * r;
      this.normA += a * a;
      this.normB += r * r;
      this.refMax = Math.max(this.refMax, Math.abs(r));
    }
    this.n += reference.length;
  }

  addRows(actual: ArrayLike<number>, reference: ArrayLike<number>, width: number): void {
    for (let row = 0; row * width < reference.length; row++) {
      if (argmax(actual, row * width, width) === argmax(reference, row * width, width)) this.agree++;
      this.rows++;
    }
  }

  result(): ErrorStatistics & { top1Agreement?: number } {
    const denominator = Math.sqrt(this.normA * this.normB);
    const stats = {
      elements: this.n,
      maxAbsError: this.maxAbs,
      rmsError: this.n === 0 ? 0 : Math.sqrt(this.squares / this.n),
      cosine: denominator === 0 ? (this.normA === this.normB ? 1 : 0) : this.dot / denominator,
      referenceMaxAbs: this.refMax,
    };
    return this.rows === 0 ? stats : { ...stats, top1Agreement: this.agree / this.rows };
  }
}

function dequantize(t: Tensor, q: OutputQuantization): Float64Array {
  const data = t.data as TypedArray;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = (data[i]! - q.zeroPoint) * q.scale;
  return out;
}

/**
 * Runs the float reference and the quantized model on the same inputs and measures, for every
 * quantized layer (PimQConv, PimQGemm, PimQAdd, PimQAvgPool) and every graph output, the error of
 * the dequantized result against the float value it stands for: max abs error, RMS and cosine
 * similarity, plus top-1 agreement for [N, classes] outputs. Errors accumulate through the network
 * (each layer reads the quantized result of the one before), which is what the hardware will see.
 */
export function quantizationErrorReport(floatModel: Model, quantizedModel: Model, feeds: readonly Feeds[]): QuantizationReport {
  const floatNameOf = new Map([...quantizedValueNames(floatModel.graph)].map(([f, q]) => [q, f]));
  const layers: { node: Node; value: string; q: OutputQuantization; errors: ErrorAccumulator }[] = [];
  for (const node of quantizedModel.graph.nodes) {
    const q = pimOutputQuantization(node);
    const value = floatNameOf.get(node.outputs[0]?.name ?? '');
    if (q !== undefined && value !== undefined) layers.push({ node, value, q, errors: new ErrorAccumulator() });
  }
  const byNode = new Map(layers.map((l) => [l.node, l]));
  const needed = new Set(layers.map((l) => l.value));
  const outputs = quantizedModel.graph.outputs.map((v) => ({ name: v.name, errors: new ErrorAccumulator() }));
  for (const feed of feeds) {
    const reference = new Map<string, Tensor>();
    const floatRun = runGraph(floatModel.graph, feed, {
      onNode: (node, results) => node.outputs.forEach((v, i) => needed.has(v.name) && reference.set(v.name, results[i]!)),
    });
    const quantRun = runGraph(quantizedModel.graph, feed, {
      onNode: (node, results) => {
        const layer = byNode.get(node);
        const expected = layer === undefined ? undefined : reference.get(layer.value);
        if (layer !== undefined && expected !== undefined) {
          layer.errors.add(dequantize(results[0]!, layer.q), expected.data as TypedArray);
        }
      },
    });
    for (const o of outputs) {
      const actual = quantRun.outputs.get(o.name)!;
      const expected = floatRun.outputs.get(o.name)!;
      o.errors.add(actual.data as TypedArray, expected.data as TypedArray);
      if (expected.rank === 2 && expected.shape[1]! > 1) {
        o.errors.addRows(actual.data as TypedArray, expected.data as TypedArray, expected.shape[1]!);
      }
    }
  }
  return {
    layers: layers.map((l) => ({ layer: l.node.name, op: l.node.op, value: l.value, ...l.errors.result() })),
    outputs: outputs.map((o) => ({ output: o.name, ...o.errors.result() })),
  };
}
