import type { Chip } from '@pimc/arch';
import { pimb } from '../generated/pimb.js';
import { bytesToFloat32s, bytesToInt16s, bytesToInt32s } from './little-endian.js';
import type { Fail } from './pimb-errors.js';
import type {
  CamEncode,
  CamTable,
  CrossbarImage,
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
import { DIGITAL_OP_KINDS, isDigitalOpKind } from './vocabulary.js';

type AttrValue = DigitalOp['attrs'][string];

/**
 * The Program a decoded protobuf message describes. Checks what the Program type cannot express
 * (enum values, fixed-length geometry lists, present sub-messages, whole int32 arrays); the
 * consistency of ids and sizes is `checkProgram`'s job. Every array is copied out of the file's
 * buffer so the Program owns its memory.
 */
export function programFromWire(message: pimb.Program, chip: Chip, formatVersion: number, fail: Fail): Program {
  return {
    formatVersion,
    chip,
    tensors: (message.tensors ?? []).map((t, i) => tensorFromWire(t, i, fail)),
    crossbars: (message.crossbars ?? []).map((c, i): CrossbarImage => ({
      id: i,
      tile: c.tile ?? 0,
      macro: c.macro ?? 0,
      index: c.index ?? 0,
      rows: c.rows ?? 0,
      columns: c.columns ?? 0,
      levels: c.levels === null || c.levels === undefined ? new Uint8Array(0) : new Uint8Array(c.levels),
    })),
    instructions: (message.instructions ?? []).map((ins, i) => instructionFromWire(ins, `instructions[${i}]`, fail)),
    inputs: [...(message.inputs ?? [])],
    outputs: [...(message.outputs ?? [])],
    metadata: { ...(message.metadata ?? {}) },
  };
}

const ELEMENT_TYPES_BY_WIRE: ReadonlyMap<number, ElementType> = new Map([
  [pimb.ElementType.U8, 'u8'],
  [pimb.ElementType.I8, 'i8'],
  [pimb.ElementType.I32, 'i32'],
  [pimb.ElementType.F32, 'f32'],
]);

const WEIGHT_SCHEMES_BY_WIRE: ReadonlyMap<number, WeightEncoding['scheme']> = new Map([
  [pimb.WeightScheme.OFFSET, 'offset'],
  [pimb.WeightScheme.DIFFERENTIAL, 'differential'],
]);

function tensorFromWire(t: pimb.Tensor.$Properties, i: number, fail: Fail): TensorDesc {
  const name = t.name ?? '';
  const type = ELEMENT_TYPES_BY_WIRE.get(t.type ?? 0);
  if (type === undefined) {
    fail(`tensors[${i}].type`, `tensor '${name}' has element type code ${t.type ?? 0}, which is not one of u8, i8, i32, f32`);
  }
  return {
    id: i,
    name,
    type,
    shape: [...(t.shape ?? [])],
    ...(t.scale === null || t.scale === undefined ? {} : { scale: t.scale }),
    ...(t.zeroPoint === null || t.zeroPoint === undefined ? {} : { zeroPoint: t.zeroPoint }),
    ...codebookFromWire(t.codebook, `tensors[${i}].codebook`, `tensor '${name}'`, fail),
  };
}

/** `{ codebook }` from float32 bytes, or nothing when the field is empty (an ordinary tensor). */
function codebookFromWire(
  bytes: Uint8Array | null | undefined,
  path: string,
  what: string,
  fail: Fail,
): { codebook?: Float32Array } {
  if (bytes === null || bytes === undefined || bytes.length === 0) return {};
  if (bytes.length % 4 !== 0) {
    fail(path, `${what} codebook has ${bytes.length} bytes, not a whole number of float32 values (4 bytes each)`);
  }
  return { codebook: bytesToFloat32s(bytes) };
}

function instructionFromWire(ins: pimb.Instruction.$Properties, path: string, fail: Fail): Instruction {
  if (ins.crossbarMvm !== null && ins.crossbarMvm !== undefined) return mvmFromWire(ins.crossbarMvm, path, fail);
  if (ins.digital !== null && ins.digital !== undefined) return digitalFromWire(ins.digital, path, fail);
  if (ins.camEncode !== null && ins.camEncode !== undefined) return camEncodeFromWire(ins.camEncode, path, fail);
  if (ins.lutMvm !== null && ins.lutMvm !== undefined) return lutMvmFromWire(ins.lutMvm, path, fail);
  return fail(path, 'instruction is none of crossbar-mvm, digital, cam-encode, lut-mvm (empty, or written by a newer pimc)');
}

/** A present sub-message, or an error naming the instruction and the field. */
function required<T>(value: T | null | undefined, path: string, what: string, field: string, fail: Fail): T {
  return value === null || value === undefined ? fail(`${path}.${field}`, `${what} has no ${field}`) : value;
}

/** A bytes field as int32 values, or an error when its length is not a multiple of 4. */
function int32sFromWire(bytes: Uint8Array | null | undefined, path: string, what: string, fail: Fail): Int32Array {
  const b = bytes ?? new Uint8Array(0);
  if (b.length % 4 !== 0) fail(path, `${what} has ${b.length} bytes, not a whole number of int32 values (4 bytes each)`);
  return bytesToInt32s(b);
}

/** A bytes field copied out of the file's buffer. */
function bytesFromWire(bytes: Uint8Array | null | undefined): Uint8Array {
  return bytes === null || bytes === undefined ? new Uint8Array(0) : new Uint8Array(bytes);
}

function camFromWire(c: pimb.CamTable.$Properties, path: string, what: string, fail: Fail): CamTable {
  return {
    keys: int32sFromWire(c.keys, `${path}.keys`, `${what} CAM keys`, fail),
    values: bytesFromWire(c.values),
    keyBits: c.keyBits ?? 0,
    camBits: c.camBits ?? 0,
  };
}

function camEncodeFromWire(c: pimb.CamEncode.$Properties, path: string, fail: Fail): CamEncode {
  const name = c.name ?? '';
  const what = `cam-encode '${name}'`;
  const cam = required(c.cam, path, what, 'cam', fail);
  return {
    op: 'cam-encode',
    name,
    input: c.input ?? 0,
    output: c.output ?? 0,
    keyScale: c.keyScale ?? 0,
    cam: camFromWire(cam, `${path}.cam`, what, fail),
  };
}

function lutMvmFromWire(l: pimb.LutMvm.$Properties, path: string, fail: Fail): LutMvm {
  const name = l.name ?? '';
  const what = `lut-mvm '${name}'`;
  const g = required(l.geometry, path, what, 'geometry', fail);
  const activation = l.activation;
  return {
    op: 'lut-mvm',
    name,
    input: l.input ?? 0,
    output: l.output ?? 0,
    geometry: geometryFromWire(g, `${path}.geometry`, what, fail),
    weightIndices: bytesFromWire(l.weightIndices),
    kW: l.kW ?? 0,
    kU: l.kU ?? 0,
    lut: int32sFromWire(l.lut, `${path}.lut`, `${what} lut`, fail),
    lutBits: l.lutBits ?? 0,
    lutScale: l.lutScale ?? 0,
    bias: int32sFromWire(l.bias, `${path}.bias`, `${what} bias`, fail),
    ...(activation === null || activation === undefined
      ? {}
      : {
          activation: {
            keyShift: activation.keyShift ?? 0,
            cam: camFromWire(
              required(activation.cam, `${path}.activation`, `${what} activation`, 'cam', fail),
              `${path}.activation.cam`,
              what,
              fail,
            ),
          },
        }),
    blocks: (l.blocks ?? []).map((b) => ({ tile: b.tile ?? 0, block: b.block ?? 0 })),
  };
}

function mvmFromWire(m: pimb.CrossbarMvm.$Properties, path: string, fail: Fail): CrossbarMvm {
  const name = m.name ?? '';
  const what = `crossbar-mvm '${name}'`;
  const need = <T>(value: T | null | undefined, field: string): T =>
    value === null || value === undefined ? fail(`${path}.${field}`, `${what} has no ${field}`) : value;
  const g = need(m.geometry, 'geometry');
  const weights = need(m.weights, 'weights');
  const inputs = need(m.inputs, 'inputs');
  const adc = need(m.adc, 'adc');
  const scheme = WEIGHT_SCHEMES_BY_WIRE.get(weights.scheme ?? 0);
  if (scheme === undefined) {
    fail(
      `${path}.weights.scheme`,
      `${what} has weight scheme code ${weights.scheme ?? 0}, which is neither offset nor differential`,
    );
  }
  const int32s = (bytes: Uint8Array | null | undefined, field: string): Int32Array => {
    const b = bytes ?? new Uint8Array(0);
    if (b.length % 4 !== 0) {
      fail(`${path}.${field}`, `${what} ${field} has ${b.length} bytes, not a whole number of int32 values (4 bytes each)`);
    }
    return bytesToInt32s(b);
  };
  return {
    op: 'crossbar-mvm',
    name,
    input: m.input ?? 0,
    output: m.output ?? 0,
    geometry: geometryFromWire(g, `${path}.geometry`, what, fail),
    weights: { scheme, offset: weights.offset ?? 0, slices: [...(weights.slices ?? [])] },
    inputs: {
      zeroPoint: inputs.zeroPoint ?? 0,
      slices: [...(inputs.slices ?? [])],
      bits: inputs.bits ?? 0,
      signed: inputs.signed ?? false,
      ...(inputs.speculation === null || inputs.speculation === undefined || inputs.speculation.length === 0
        ? {}
        : { speculation: { slices: [...inputs.speculation] } }),
    },
    adc: { bits: adc.bits ?? 0, signed: adc.signed ?? false, lsb: adc.lsb ?? 0 },
    tiles: (m.tiles ?? []).map((t, k) => {
      const centers = t.centers ?? new Uint8Array(0);
      if (centers.length % 2 !== 0) {
        fail(
          `${path}.tiles[${k}].centers`,
          `${what} tile centers have ${centers.length} bytes, not a whole number of int16 values`,
        );
      }
      return {
        group: t.group ?? 0,
        rowStart: t.rowStart ?? 0,
        rowCount: t.rowCount ?? 0,
        channelStart: t.channelStart ?? 0,
        channelCount: t.channelCount ?? 0,
        crossbar: t.crossbar ?? 0,
        ...(centers.length === 0 ? {} : { centers: bytesToInt16s(centers) }),
      };
    }),
    bias: int32s(m.bias, 'bias'),
    multiplier: int32s(m.multiplier, 'multiplier'),
    shift: int32s(m.shift, 'shift'),
    outputZeroPoint: m.outputZeroPoint ?? 0,
    clampMin: m.clampMin ?? 0,
    clampMax: m.clampMax ?? 0,
  };
}

function geometryFromWire(g: pimb.MvmGeometry.$Properties, path: string, what: string, fail: Fail): MvmGeometry {
  const fixed = (values: number[] | null | undefined, field: string, meaning: string): number[] => {
    const v = values ?? [];
    const count = meaning.split(',').length;
    if (v.length !== count) fail(`${path}.${field}`, `${what} ${field} has ${v.length} values, expected ${count} (${meaning})`);
    return [...v];
  };
  const [c, h, w] = fixed(g.inShape, 'inShape', 'C, H, W');
  const [m, p, q] = fixed(g.outShape, 'outShape', 'M, P, Q');
  const [r, s] = fixed(g.kernel, 'kernel', 'R, S');
  const [sh, sw] = fixed(g.strides, 'strides', 'vertical, horizontal');
  const [top, left, bottom, right] = fixed(g.pads, 'pads', 'top, left, bottom, right');
  const [dh, dw] = fixed(g.dilations, 'dilations', 'vertical, horizontal');
  return {
    inShape: [c, h, w],
    outShape: [m, p, q],
    kernel: [r, s],
    strides: [sh, sw],
    pads: [top, left, bottom, right],
    dilations: [dh, dw],
    groups: g.groups ?? 0,
  };
}

function digitalFromWire(d: pimb.DigitalOp.$Properties, path: string, fail: Fail): DigitalOp {
  const name = d.name ?? '';
  const kind = d.kind ?? '';
  if (!isDigitalOpKind(kind)) {
    fail(`${path}.kind`, `digital op '${name}' has unknown kind '${kind}'`, [`known kinds: ${DIGITAL_OP_KINDS.join(', ')}`]);
  }
  const attrs: Record<string, AttrValue> = {};
  for (const [key, value] of Object.entries(d.attrs ?? {})) {
    attrs[key] = attrFromWire(value, `${path}.attrs.${key}`, `digital op '${name}' attribute '${key}'`, fail);
  }
  return { op: 'digital', name, kind, inputs: [...(d.inputs ?? [])], outputs: [...(d.outputs ?? [])], attrs };
}

function attrFromWire(v: pimb.AttrValue.$Properties, path: string, what: string, fail: Fail): AttrValue {
  if (v.number !== null && v.number !== undefined) return v.number;
  if (v.text !== null && v.text !== undefined) return v.text;
  if (v.numbers !== null && v.numbers !== undefined) return [...(v.numbers.values ?? [])];
  return fail(path, `${what} has no value`);
}
