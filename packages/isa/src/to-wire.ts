import { pimb } from '../generated/pimb.js';
import { float32sToBytes, int16sToBytes, int32sToBytes } from './little-endian.js';
import type {
  CamEncode,
  CamTable,
  CrossbarMvm,
  DigitalOp,
  ElementType,
  Instruction,
  LutMvm,
  MvmGeometry,
  Program,
  TensorDesc,
  WeightEncoding,
} from './program.js';

/**
 * The protobuf message of a Program (already checked by `checkProgram`). Map keys are sorted so
 * that the bytes depend only on the program's contents, not on the order its objects were built in.
 */
export function programToWire(program: Program, chipJson: string): pimb.Program.$Properties {
  return {
    chipJson,
    tensors: program.tensors.map(tensorToWire),
    crossbars: program.crossbars.map((c) => ({
      tile: c.tile,
      macro: c.macro,
      index: c.index,
      rows: c.rows,
      columns: c.columns,
      levels: c.levels,
    })),
    instructions: program.instructions.map(instructionToWire),
    inputs: [...program.inputs],
    outputs: [...program.outputs],
    metadata: sortedRecord(program.metadata, (v) => v),
  };
}

const ELEMENT_TYPE_TO_WIRE: Readonly<Record<ElementType, pimb.ElementType>> = {
  u8: pimb.ElementType.U8,
  i8: pimb.ElementType.I8,
  i32: pimb.ElementType.I32,
  f32: pimb.ElementType.F32,
};

const WEIGHT_SCHEME_TO_WIRE: Readonly<Record<WeightEncoding['scheme'], pimb.WeightScheme>> = {
  offset: pimb.WeightScheme.OFFSET,
  differential: pimb.WeightScheme.DIFFERENTIAL,
};

function tensorToWire(t: TensorDesc): pimb.Tensor.$Properties {
  return {
    name: t.name,
    type: ELEMENT_TYPE_TO_WIRE[t.type],
    shape: [...t.shape],
    ...(t.scale === undefined ? {} : { scale: t.scale }),
    ...(t.zeroPoint === undefined ? {} : { zeroPoint: t.zeroPoint }),
    ...(t.codebook === undefined ? {} : { codebook: float32sToBytes(t.codebook) }),
  };
}

function instructionToWire(ins: Instruction): pimb.Instruction.$Properties {
  switch (ins.op) {
    case 'crossbar-mvm':
      return { crossbarMvm: mvmToWire(ins) };
    case 'digital':
      return { digital: digitalToWire(ins) };
    case 'cam-encode':
      return { camEncode: camEncodeToWire(ins) };
    case 'lut-mvm':
      return { lutMvm: lutMvmToWire(ins) };
  }
}

function geometryToWire(g: MvmGeometry): pimb.MvmGeometry.$Properties {
  return {
    inShape: [...g.inShape],
    outShape: [...g.outShape],
    kernel: [...g.kernel],
    strides: [...g.strides],
    pads: [...g.pads],
    dilations: [...g.dilations],
    groups: g.groups,
  };
}

function camToWire(cam: CamTable): pimb.CamTable.$Properties {
  return { keys: int32sToBytes(cam.keys), values: cam.values, keyBits: cam.keyBits, camBits: cam.camBits };
}

function camEncodeToWire(c: CamEncode): pimb.CamEncode.$Properties {
  return { name: c.name, input: c.input, output: c.output, keyScale: c.keyScale, cam: camToWire(c.cam) };
}

function lutMvmToWire(l: LutMvm): pimb.LutMvm.$Properties {
  return {
    name: l.name,
    input: l.input,
    output: l.output,
    geometry: geometryToWire(l.geometry),
    weightIndices: l.weightIndices,
    kW: l.kW,
    kU: l.kU,
    lut: int32sToBytes(l.lut),
    lutBits: l.lutBits,
    lutScale: l.lutScale,
    bias: int32sToBytes(l.bias),
    ...(l.activation === undefined ? {} : { activation: { keyShift: l.activation.keyShift, cam: camToWire(l.activation.cam) } }),
    blocks: l.blocks.map((b) => ({ tile: b.tile, block: b.block })),
  };
}

function mvmToWire(m: CrossbarMvm): pimb.CrossbarMvm.$Properties {
  return {
    name: m.name,
    input: m.input,
    output: m.output,
    geometry: geometryToWire(m.geometry),
    weights: { scheme: WEIGHT_SCHEME_TO_WIRE[m.weights.scheme], offset: m.weights.offset, slices: [...m.weights.slices] },
    inputs: {
      zeroPoint: m.inputs.zeroPoint,
      slices: [...m.inputs.slices],
      bits: m.inputs.bits,
      signed: m.inputs.signed,
      speculation: [...(m.inputs.speculation?.slices ?? [])],
    },
    adc: { bits: m.adc.bits, signed: m.adc.signed, lsb: m.adc.lsb },
    tiles: m.tiles.map((t) => ({
      group: t.group,
      rowStart: t.rowStart,
      rowCount: t.rowCount,
      channelStart: t.channelStart,
      channelCount: t.channelCount,
      crossbar: t.crossbar,
      ...(t.centers === undefined ? {} : { centers: int16sToBytes(t.centers) }),
    })),
    bias: int32sToBytes(m.bias),
    multiplier: int32sToBytes(m.multiplier),
    shift: int32sToBytes(m.shift),
    outputZeroPoint: m.outputZeroPoint,
    clampMin: m.clampMin,
    clampMax: m.clampMax,
  };
}

function digitalToWire(d: DigitalOp): pimb.DigitalOp.$Properties {
  return {
    name: d.name,
    kind: d.kind,
    inputs: [...d.inputs],
    outputs: [...d.outputs],
    attrs: sortedRecord(d.attrs, (v): pimb.AttrValue.$Properties => {
      if (typeof v === 'number') return { number: v };
      if (typeof v === 'string') return { text: v };
      return { numbers: { values: [...v] } };
    }),
  };
}

function sortedRecord<T, U>(record: Readonly<Record<string, T>>, convert: (value: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  for (const key of Object.keys(record).sort()) out[key] = convert(record[key]);
  return out;
}
