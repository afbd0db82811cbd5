import type { CamBlock, Chip, LutBlock } from '@pimc/arch';
import { usesOf, type Model, type Node, type Value } from '@pimc/ir';
import { PIMB_FORMAT_VERSION, type Instruction, type LutMvm, type Program, type TensorDesc } from '@pimc/isa';
import { PimcError, withLocation } from '@pimc/support';
import { activationCam } from './activation-cam.js';
import { digitalForm } from './digital-form.js';
import { encodeCam } from './encode-cam.js';
import { codebookOf, fusedChain, INDEX_PRESERVING_OPS, type FusedChain } from './fusion.js';
import { accRange, productTables, type ProductTables, type TableGranularity } from './product-table.js';
import { ProgramTensors } from './program-tensors.js';
import { placeRnaBlocks } from './rna-placement.js';
import { readWeightedLayer, WEIGHTED_OPS, type UseInfo, type WeightedLayer } from './weighted-layer.js';

export interface RapidnnOptions {
  /** The batch a symbolic leading dimension becomes (default 1). */
  readonly batch?: number;
  /** Extra provenance for the program's metadata. */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Entries T of each fused activation CAM (algorithms.md §2.3 knob (c)): a number (default 64, and
   * never more than the chip's tiles.cam.entries), or 'exact' for as many as the exact construction
   * needs (an error when that exceeds the chip's CAM).
   */
  readonly activationEntries?: number | 'exact';
  /** Key bits every CAM search compares (algorithms.md §2.3 knob (b); default 8, at most the chip's keyBits). */
  readonly camBits?: number;
  /** Weight-table granularity (default 'auto', see TableGranularity). */
  readonly tables?: TableGranularity;
}

/** Per-layer facts of the lowering, for reports. */
export interface RapidnnLayerInfo {
  readonly name: string;
  readonly kW: number;
  readonly kU: number;
  /** 1 (per layer) or M (per output channel). */
  readonly tables: number;
  /** Activation CAM entries (0: no fused activation, f32 output). */
  readonly activationEntries: number;
  /** Entries the exact activation CAM would take. */
  readonly exactActivationEntries: number;
  /** Output regions merged away to fit the entry budget (0: exact at the CAM's key resolution). */
  readonly mergedRegions: number;
}

/** A lowered RAPIDNN model before placement: every lut-mvm's `blocks` is still empty. */
export interface LoweredRapidnn {
  readonly tensors: readonly TensorDesc[];
  readonly instructions: readonly Instruction[];
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly metadata: Readonly<Record<string, string>>;
  readonly layers: readonly RapidnnLayerInfo[];
}

const DEFAULT_ACTIVATION_ENTRIES = 64;
const DEFAULT_CAM_BITS = 8;

/** The chip's CAM and LUT blocks, or a chip-mismatch error. */
function rnaBlocks(chip: Chip): { cam: CamBlock; lut: LutBlock } {
  const { cam, lut } = chip.tiles;
  if (cam === undefined || lut === undefined) {
    const missing = [
      cam === undefined ? 'CAM blocks (tiles.cam)' : '',
      lut === undefined ? 'lookup-table blocks (tiles.lut)' : '',
    ]
      .filter((s) => s !== '')
      .join(' and ');
    throw new PimcError('chip-mismatch', `RAPIDNN needs CAM and lookup-table blocks, but chip '${chip.name}' has no ${missing}`, {
      notes: ['compile for the rapidnn preset, or a chip that extends it'],
    });
  }
  return { cam, lut };
}

/**
 * Lowers a clustered float model (the output of rapidnn-cluster: clustered constant weights, a
 * PimCluster on every layer input) to a RAPIDNN program (algorithms.md §2.3, rapidnn-contract):
 *
 * - graph inputs are f32; a PimCluster on an f32 value is a `cam-encode` into its codebook, and its
 *   result an index tensor;
 * - a Conv, Gemm or MatMul with constant weights reading an index tensor is a `lut-mvm` with its
 *   product tables (product-table.ts); when its result runs through clamps and index-preserving ops
 *   into a PimCluster (fusion.ts), the lut-mvm ends in that PimCluster's activation CAM
 *   (activation-cam.ts) and the pools and reshapes run on indices, else it writes f32 pre-activations;
 * - every other node is a digital op on f32 (index operands decoded first) — or on indices for max
 *   pooling, reshapes and a Concat of one codebook;
 * - index graph outputs are decoded at the end, so outputs are f32 under their value's name.
 *
 * Nodes are taken in graph order, which is the execution order.
 */
export function lowerRapidnnModel(model: Model, chip: Chip, options: RapidnnOptions = {}): LoweredRapidnn {
  const { cam, lut } = rnaBlocks(chip);
  const batch = options.batch ?? 1;
  if (!Number.isInteger(batch) || batch < 1) throw new PimcError('usage', `batch must be a positive integer, got ${batch}`);
  const camBits = options.camBits ?? Math.min(DEFAULT_CAM_BITS, cam.keyBits);
  if (!Number.isInteger(camBits) || camBits < 1 || camBits > cam.keyBits) {
    throw new PimcError(
      'usage',
      `camBits must be an integer in 1..${cam.keyBits} (chip '${chip.name}' CAM keys), got ${camBits}`,
    );
  }
  const entries = options.activationEntries ?? DEFAULT_ACTIVATION_ENTRIES;
  if (entries !== 'exact' && (!Number.isInteger(entries) || entries < 1)) {
    throw new PimcError('usage', `activationEntries must be a positive integer or 'exact', got ${entries}`);
  }
  const lowering = new RapidnnLowering(model, chip, { cam, lut }, batch, {
    camBits,
    entries,
    granularity: options.tables ?? 'auto',
  });
  lowering.run();
  return {
    tensors: lowering.tensors.all(),
    instructions: lowering.instructions,
    inputs: lowering.inputs,
    outputs: lowering.outputs,
    metadata: {
      source: model.source,
      producer: model.producer,
      batch: String(batch),
      lowering: 'rapidnn',
      camBits: String(camBits),
      activationEntries: String(entries),
      ...options.metadata,
    },
    layers: lowering.layers,
  };
}

/** The program of a lowered RAPIDNN model once its layers have RNA blocks (rna-placement.ts). */
export function placeRapidnn(lowered: LoweredRapidnn, chip: Chip): Program {
  const layers = lowered.instructions.filter((i): i is LutMvm => i.op === 'lut-mvm');
  const blocks = placeRnaBlocks(
    layers.map((l) => {
      const [m, p, q] = l.geometry.outShape;
      return { name: l.name, neurons: m * p * q, lookups: m * p * q * (l.weightIndices.length / m) };
    }),
    chip,
  );
  let next = 0;
  return {
    formatVersion: PIMB_FORMAT_VERSION,
    chip,
    tensors: lowered.tensors,
    crossbars: [],
    instructions: lowered.instructions.map((i) => (i.op === 'lut-mvm' ? { ...i, blocks: blocks[next++]! } : i)),
    inputs: lowered.inputs,
    outputs: lowered.outputs,
    metadata: lowered.metadata,
  };
}

/** Lowering and placement in one step. */
export function lowerRapidnn(model: Model, chip: Chip, options: RapidnnOptions = {}): Program {
  return placeRapidnn(lowerRapidnnModel(model, chip, options), chip);
}

interface Settings {
  readonly camBits: number;
  readonly entries: number | 'exact';
  readonly granularity: TableGranularity;
}

function fail(node: Node, message: string, notes: readonly string[] = []): never {
  throw new PimcError('unsupported-model', message, { location: { node: node.name, opType: node.op }, notes });
}

function sameCodebook(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** One lowering run: the growing program and what the graph analysis found. */
class RapidnnLowering {
  readonly tensors: ProgramTensors;
  readonly instructions: Instruction[] = [];
  readonly layers: RapidnnLayerInfo[] = [];
  inputs: number[] = [];
  outputs: number[] = [];
  private readonly info: UseInfo;
  /** Nodes lowered together with an earlier one (fused chains, folded bias adds). */
  private readonly done = new Set<Node>();

  constructor(
    private readonly model: Model,
    private readonly chip: Chip,
    private readonly blocks: { cam: CamBlock; lut: LutBlock },
    batch: number,
    private readonly settings: Settings,
  ) {
    this.tensors = new ProgramTensors(batch);
    const graph = model.graph;
    this.info = { uses: usesOf(graph), graphOutputs: new Set(graph.outputs) };
  }

  run(): void {
    const graph = this.model.graph;
    this.inputs = graph.inputs.map((v) => {
      if (v.type.dtype !== 'float32') {
        throw new PimcError(
          'unsupported-dtype',
          `graph input '${v.name}' is ${v.type.dtype}; a RAPIDNN program reads float32 inputs`,
        );
      }
      return this.tensors.define(v, undefined).id;
    });
    for (const node of graph.nodes) {
      if (this.done.has(node)) continue;
      withLocation({ node: node.name, opType: node.op }, () => {
        if (node.op === 'PimCluster') this.cluster(node);
        else if (WEIGHTED_OPS.has(node.op)) this.layer(node);
        else this.digital(node);
      });
    }
    this.outputs = graph.outputs.map((v) => this.output(v));
  }

  /** Defines a value's tensor; an index tensor that is a graph output leaves the value's name to its decoding. */
  private define(value: Value, node: Node, codebook?: Float32Array): TensorDesc {
    const indexOutput = codebook !== undefined && this.info.graphOutputs.has(value);
    return this.tensors.define(value, node, codebook, indexOutput ? `${value.name}:index` : value.name);
  }

  /** The f32 values of a tensor: itself, or its decoding (made once). */
  private decoded(desc: TensorDesc, name?: string): TensorDesc {
    if (desc.codebook === undefined) return desc;
    const known = this.tensors.decodingOf(desc);
    if (known !== undefined && (name === undefined || known.name === name)) return known;
    const out = this.tensors.add(name ?? `${desc.name}:decoded`, desc.shape);
    if (known === undefined) this.tensors.setDecoding(desc, out);
    this.instructions.push({
      op: 'digital',
      name: `decode:${desc.name}`,
      kind: 'decode',
      inputs: [desc.id],
      outputs: [out.id],
      attrs: {},
    });
    return out;
  }

  private output(value: Value): number {
    const desc = this.tensors.get(value);
    if (desc === undefined) {
      throw new PimcError('unsupported-model', `graph output '${value.name}' is not computed by any lowered node`);
    }
    return this.decoded(desc, value.name).id;
  }

  /** A PimCluster outside a fused chain: a cam-encode (or nothing, when its operand already has its codebook). */
  private cluster(node: Node): void {
    const codebook = codebookOf(node);
    const x = this.tensors.existing(node.inputs[0]!, node);
    if (x.codebook !== undefined && sameCodebook(x.codebook, codebook)) {
      this.tensors.alias(node.outputs[0]!, x);
      return;
    }
    if (codebook.length > this.blocks.cam.entries) {
      fail(
        node,
        `its ${codebook.length} centroids do not fit a CAM of ${this.blocks.cam.entries} entries (chip '${this.chip.name}')`,
        ['cluster this value into fewer clusters (kU), or use a chip with larger tiles.cam.entries'],
      );
    }
    const input = this.decoded(x);
    const y = this.define(node.outputs[0]!, node, codebook);
    const { keyScale, cam } = encodeCam(codebook, this.blocks.cam.keyBits, this.settings.camBits);
    this.instructions.push({ op: 'cam-encode', name: node.name, input: input.id, output: y.id, keyScale, cam });
  }

  /** A Conv, Gemm or MatMul: a lut-mvm, with its fused chain when it has one. */
  private layer(node: Node): void {
    const layer = readWeightedLayer(node, this.info);
    if (layer.biasAdd !== undefined) this.done.add(layer.biasAdd);
    const x = this.tensors.existing(layer.data, node);
    if (x.codebook === undefined) {
      fail(node, `its input '${layer.data.name}' is not clustered (no PimCluster produces it)`, [
        'run rapidnn-cluster first: it puts a PimCluster on every layer input',
      ]);
    }
    const t = productTables(layer, x.codebook, {
      lutBits: this.blocks.lut.entryBits,
      lutEntries: this.blocks.lut.entries,
      granularity: this.settings.granularity,
    });
    const chain = fusedChain(layer.result, this.info);
    const base = {
      op: 'lut-mvm' as const,
      name: node.name,
      input: x.id,
      geometry: layer.geometry,
      weightIndices: t.weightIndices,
      kW: t.kW,
      kU: x.codebook.length,
      lut: t.lut,
      lutBits: this.blocks.lut.entryBits,
      lutScale: t.lutScale,
      bias: t.bias,
      blocks: [],
    };
    const info = { name: node.name, kW: t.kW, kU: x.codebook.length, tables: t.tables };
    if (chain === undefined) {
      const y = this.define(layer.result, node);
      this.instructions.push({ ...base, output: y.id });
      this.layers.push({ ...info, activationEntries: 0, exactActivationEntries: 0, mergedRegions: 0 });
      return;
    }
    const activation = this.activation(node, layer, t, chain, x.codebook.length);
    const out = this.chainTensors(layer, chain);
    this.instructions.push({ ...base, output: out.id, activation: { keyShift: activation.keyShift, cam: activation.cam } });
    this.layers.push({
      ...info,
      activationEntries: activation.cam.keys.length,
      exactActivationEntries: activation.exactEntries,
      mergedRegions: activation.mergedRegions,
    });
    this.indexChain(chain, out);
  }

  private activation(node: Node, layer: WeightedLayer, t: ProductTables, chain: FusedChain, kU: number) {
    const cam = this.blocks.cam;
    const budget = this.settings.entries === 'exact' ? 'exact' : Math.min(this.settings.entries, cam.entries);
    const result = activationCam(t.lutScale, chain.activation, codebookOf(chain.cluster), accRange(t, kU, layer.depth), {
      keyBits: cam.keyBits,
      camBits: this.settings.camBits,
      entries: budget,
    });
    if (result.cam.keys.length > cam.entries) {
      fail(
        node,
        `its exact activation CAM needs ${result.cam.keys.length} entries; chip '${this.chip.name}' CAMs hold ${cam.entries}`,
        ['give activationEntries a number to approximate within the CAM, or use a chip with larger tiles.cam.entries'],
      );
    }
    for (const n of chain.nodes) this.done.add(n);
    return result;
  }

  /** The lut-mvm's index output: the PimCluster's value, or (before index ops) a tensor of its own. */
  private chainTensors(layer: WeightedLayer, chain: FusedChain): TensorDesc {
    const codebook = codebookOf(chain.cluster);
    const first = chain.indexOps[0];
    if (first === undefined) return this.define(chain.cluster.outputs[0]!, chain.cluster, codebook);
    return this.tensors.add(first.inputs[0]!.name, this.tensors.shapeOf(layer.result, layer.node), codebook);
  }

  /** The chain's pools and reshapes, on index tensors; the last one writes the PimCluster's value. */
  private indexChain(chain: FusedChain, start: TensorDesc): void {
    let x = start;
    chain.indexOps.forEach((node, k) => {
      withLocation({ node: node.name, opType: node.op }, () => {
        const last = k === chain.indexOps.length - 1;
        const value = last ? chain.cluster.outputs[0]! : node.outputs[0]!;
        const y = last
          ? this.define(value, node, x.codebook)
          : this.tensors.add(value.name, this.tensors.shapeOf(value, node), x.codebook);
        const d = digitalForm(node, x, y);
        this.instructions.push({ op: 'digital', name: node.name, kind: d.kind, inputs: [x.id], outputs: [y.id], attrs: d.attrs });
        x = y;
      });
    });
  }

  /** Any other node: on indices when it only moves them, else on f32 (index operands decoded). */
  private digital(node: Node): void {
    const operands = node.inputs.map((v) =>
      v === undefined || v.constant !== undefined ? undefined : this.tensors.existing(v, node),
    );
    const x = operands[0];
    if (x === undefined) {
      fail(node, `its first operand '${node.inputs[0]?.name}' is a constant; digital ops read program tensors`);
    }
    const books = operands.filter((d) => d !== undefined).map((d) => d.codebook);
    const first = books[0];
    const onIndices =
      first !== undefined &&
      (INDEX_PRESERVING_OPS.has(node.op) || node.op === 'Concat') &&
      books.every((b) => b !== undefined && sameCodebook(b, first));
    const y = onIndices ? this.define(node.outputs[0]!, node, first) : this.define(node.outputs[0]!, node);
    const form = digitalForm(node, onIndices ? x : this.decodedShape(x), y);
    const inputs = form.operands.map((i) => {
      const d = operands[i];
      if (d === undefined) {
        fail(node, `its operand ${i} ('${node.inputs[i]?.name}') is a constant; digital ops read program tensors`);
      }
      return onIndices ? d.id : this.decoded(d).id;
    });
    this.instructions.push({ op: 'digital', name: node.name, kind: form.kind, inputs, outputs: [y.id], attrs: form.attrs });
  }

  /** An f32 view of a descriptor, for attribute computation before the decode is emitted. */
  private decodedShape(desc: TensorDesc): TensorDesc {
    return desc.codebook === undefined ? desc : { id: -1, name: desc.name, type: 'f32', shape: desc.shape };
  }
}
