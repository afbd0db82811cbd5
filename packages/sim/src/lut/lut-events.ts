import { constantValue, inMemAddNs, type Chip } from '@pimc/arch';
import type { LutMvm } from '@pimc/isa';
import { EventTally } from '../event-tally.js';

/*
 * Events and latency of RAPIDNN layers (docs/simulator.md, "RAPIDNN"). They do not depend on the
 * data: a neuron reads one table entry per tap that is not padding, adds them and its bias in
 * memory, and (with an activation) searches the CAM once.
 */

/** Bits of the in-memory adder: lutBits + ⌈log2 K⌉ holds any sum of K table entries. */
export function adderBits(instruction: LutMvm, depth: number): number {
  return instruction.lutBits + Math.ceil(Math.log2(Math.max(1, depth)));
}

/** Taps inside the input per output row (or column): how many of the kernel's rows land in [0, n). */
function insideTaps(n: number, out: number, kernel: number, stride: number, pad: number, dilation: number): number[] {
  return Array.from({ length: out }, (_, o) => {
    let inside = 0;
    for (let r = 0; r < kernel; r++) {
      const i = o * stride - pad + r * dilation;
      if (i >= 0 && i < n) inside++;
    }
    return inside;
  });
}

/**
 * The events of one image of a lut-mvm, per output neuron (channel m, position p) with T(p) taps
 * inside the input:
 * - `lutReads`: T(p), one table entry per tap;
 * - `inMemAdds[lutBits + ⌈log2 K⌉]`: max(T(p) − 1, 0) for the adder tree plus 1 for the bias;
 * - `camSearches[ENTRIESxCAMBITS]`: 1 with an activation, else `digitalMACs[32]`: 1 (acc · lutScale);
 * - eDRAM: each group's window of K 8-bit indices read per position, the M results (8-bit indices
 *   or 32-bit floats) written per position, in bus-wide accesses.
 */
export function lutImageEvents(instruction: LutMvm, chip: Chip): EventTally {
  const g = instruction.geometry;
  const [inC, inH, inW] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  const depth = (inC / g.groups) * g.kernel[0] * g.kernel[1];
  const rows = insideTaps(inH, outP, g.kernel[0], g.strides[0], g.pads[0], g.dilations[0]);
  const columns = insideTaps(inW, outQ, g.kernel[1], g.strides[1], g.pads[1], g.dilations[1]);
  const channels = inC / g.groups;
  let taps = 0;
  let treeAdds = 0;
  for (const r of rows) {
    for (const c of columns) {
      const t = channels * r * c;
      taps += t;
      treeAdds += Math.max(t - 1, 0);
    }
  }
  const positions = outP * outQ;
  const events = new EventTally();
  events.lutReads(outM * taps);
  events.inMemAdds(adderBits(instruction, depth), outM * (treeAdds + positions));
  const activation = instruction.activation;
  if (activation === undefined) events.digitalMacs(32, outM * positions);
  else events.camSearches(activation.cam.keys.length, activation.cam.camBits, outM * positions);
  const bus = chip.tiles.edramBusBits;
  events.bufRead('edram', positions * g.groups * Math.ceil((depth * 8) / bus));
  events.bufWrite('edram', positions * Math.ceil((outM * (activation === undefined ? 32 : 8)) / bus));
  return events;
}

/**
 * A lut-mvm's latency over `batch` images: its N·M·P·Q neurons spread over its RNA blocks, each
 * block computing one neuron at a time: K table reads (one read port), an adder tree of depth
 * ⌈log2 K⌉ and the bias add (in-memory adds of lutBits + ⌈log2 K⌉ bits), and one CAM search with an
 * activation. Placeholder cost constants (cost-model.md §8) set every term.
 */
export function lutLatencyNs(chip: Chip, instruction: LutMvm, batch: number): number {
  const g = instruction.geometry;
  const [inC] = g.inShape;
  const [outM, outP, outQ] = g.outShape;
  const depth = (inC / g.groups) * g.kernel[0] * g.kernel[1];
  const addNs = inMemAddNs(chip, adderBits(instruction, depth));
  const neuronNs =
    depth * constantValue(chip, 'lutReadNs') +
    (Math.ceil(Math.log2(Math.max(1, depth))) + 1) * addNs +
    (instruction.activation === undefined ? 0 : constantValue(chip, 'camSearchNs'));
  const neurons = batch * outM * outP * outQ;
  return Math.ceil(neurons / Math.max(1, instruction.blocks.length)) * neuronNs;
}
