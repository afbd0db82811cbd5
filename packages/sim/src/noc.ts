import type { Chip } from '@pimc/arch';
import type { CrossbarImage, Program, TensorDesc } from '@pimc/isa';
import { elementBytes, sizeOf } from './sim-tensor.js';

/*
 * A simple model of the network traffic between tiles (docs/simulator.md, "NoC"). Each tensor has a
 * home tile: program inputs arrive on tile 0; a crossbar layer's result is gathered on the tile of
 * its first crossbar; a digital op runs on, and leaves its result on, the home tile of its first
 * operand. An instruction that reads a tensor on another tile moves it there: the whole tensor (one
 * image) once per tile that needs it, and a crossbar layer's partial sums (32 bits per channel and
 * output position) come back from each of its other tiles to the layer's home. Routers sit on a
 * square mesh, `noc.tilesPerRouter` tiles per router; a transfer takes the Manhattan distance
 * between routers plus one hop, in flits of `noc.flitBits`.
 */

/** Router hops between two tiles. */
export function routerHops(chip: Chip, a: number, b: number): number {
  if (a === b) return 0;
  const perRouter = chip.noc.tilesPerRouter;
  const routers = Math.ceil(chip.tiles.count / perRouter);
  const side = Math.ceil(Math.sqrt(routers));
  const ra = Math.floor(a / perRouter);
  const rb = Math.floor(b / perRouter);
  return Math.abs((ra % side) - (rb % side)) + Math.abs(Math.floor(ra / side) - Math.floor(rb / side)) + 1;
}

function flits(chip: Chip, bytes: number): number {
  return Math.ceil((bytes * 8) / chip.noc.flitBits);
}

/** Bytes of one image of a tensor (its leading axis is the batch). */
function bytesPerImage(desc: TensorDesc): number {
  const batch = desc.shape.length > 0 && desc.shape[0]! > 0 ? desc.shape[0]! : 1;
  return (sizeOf(desc.shape) / batch) * elementBytes(desc.type);
}

/** Flit-hops per image of every instruction, in program order. */
export function nocFlitHopsPerImage(
  program: Program,
  tensors: ReadonlyMap<number, TensorDesc>,
  crossbars: ReadonlyMap<number, CrossbarImage>,
): number[] {
  const chip = program.chip;
  const home = new Map<number, number>();
  for (const id of program.inputs) home.set(id, 0);
  const move = (tensor: number, to: number): number => {
    const from = home.get(tensor) ?? 0;
    const desc = tensors.get(tensor);
    return from === to || desc === undefined ? 0 : flits(chip, bytesPerImage(desc)) * routerHops(chip, from, to);
  };
  return program.instructions.map((instruction) => {
    if (instruction.op === 'digital' || instruction.op === 'cam-encode') {
      const inputs = instruction.op === 'digital' ? instruction.inputs : [instruction.input];
      const at = home.get(inputs[0] ?? -1) ?? 0;
      let hops = 0;
      for (const id of inputs) hops += move(id, at);
      for (const id of instruction.op === 'digital' ? instruction.outputs : [instruction.output]) home.set(id, at);
      return hops;
    }
    if (instruction.op === 'lut-mvm') {
      // RAPIDNN: the input goes to every tile with a block of the layer; each block's share of the
      // results comes back to the tile of the first block.
      const layerHome = instruction.blocks[0]?.tile ?? 0;
      const blocksPerTile = new Map<number, number>();
      for (const b of instruction.blocks) blocksPerTile.set(b.tile, (blocksPerTile.get(b.tile) ?? 0) + 1);
      const resultBytes = tensors.get(instruction.output) === undefined ? 0 : bytesPerImage(tensors.get(instruction.output)!);
      let hops = 0;
      for (const [tile, count] of blocksPerTile) {
        hops += move(instruction.input, tile);
        if (tile !== layerHome) {
          hops += flits(chip, Math.ceil((resultBytes * count) / instruction.blocks.length)) * routerHops(chip, tile, layerHome);
        }
      }
      home.set(instruction.output, layerHome);
      return hops;
    }
    const tileOf = (crossbar: number) => crossbars.get(crossbar)?.tile ?? 0;
    const layerHome = instruction.tiles.length > 0 ? tileOf(instruction.tiles[0]!.crossbar) : 0;
    const used = new Set(instruction.tiles.map((t) => tileOf(t.crossbar)));
    let hops = 0;
    for (const tile of used) hops += move(instruction.input, tile);
    const positions = instruction.geometry.outShape[1] * instruction.geometry.outShape[2];
    for (const t of instruction.tiles) {
      const tile = tileOf(t.crossbar);
      if (tile !== layerHome) hops += flits(chip, t.channelCount * 4 * positions) * routerHops(chip, tile, layerHome);
    }
    home.set(instruction.output, layerHome);
    return hops;
  });
}
