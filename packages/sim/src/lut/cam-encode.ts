import type { CamEncode, TensorDesc } from '@pimc/isa';
import { roundHalfEven } from '../fixed-point.js';
import { checkProgram, programError } from '../program-error.js';
import { CamSearch } from './cam-search.js';
import { checkCamTable } from './prepare-lut.js';

/** A cam-encode checked against its program, with its CAM ready to search. */
export interface PreparedCamEncode {
  readonly instruction: CamEncode;
  readonly output: TensorDesc;
  readonly cam: CamSearch;
}

export function prepareCamEncode(instruction: CamEncode, tensors: ReadonlyMap<number, TensorDesc>): PreparedCamEncode {
  const input = tensors.get(instruction.input);
  const output = tensors.get(instruction.output);
  if (input === undefined || output === undefined) {
    throw programError(
      instruction,
      `reads tensor ${instruction.input} and writes ${instruction.output}, which the program does not declare`,
    );
  }
  checkProgram(input.type === 'f32', instruction, () => `input '${input.name}' must be f32, not ${input.type}`);
  const perImage = (d: TensorDesc) => d.shape.slice(1).reduce((a, b) => a * b, 1);
  checkProgram(
    perImage(input) === perImage(output),
    instruction,
    () => `'${input.name}' [${input.shape.join(', ')}] and '${output.name}' [${output.shape.join(', ')}] differ in size`,
  );
  checkProgram(
    Number.isFinite(instruction.keyScale) && instruction.keyScale > 0,
    instruction,
    () => `key scale ${instruction.keyScale} must be finite and positive`,
  );
  checkCamTable(instruction.cam, output, instruction);
  return { instruction, output, cam: new CamSearch(instruction.cam) };
}

/**
 * The cluster index of every value: its query key `clamp(roundHalfEven(x / keyScale))` to the signed
 * key range (in double precision; NaN → the lowest key), searched in the CAM.
 */
export function runCamEncode(p: PreparedCamEncode, x: Float32Array): Uint8Array {
  const cam = p.cam;
  const scale = p.instruction.keyScale;
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]! / scale;
    // Infinities clamp like any value beyond the range; NaN takes the lowest key.
    const key = Number.isNaN(v) ? cam.keyMin : v <= cam.keyMin ? cam.keyMin : v >= cam.keyMax ? cam.keyMax : roundHalfEven(v);
    out[i] = cam.search(key);
  }
  return out;
}
