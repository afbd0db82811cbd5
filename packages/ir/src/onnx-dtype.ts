import { PimcError } from '@pimc/support';
import type { DType } from './dtype.js';

/**
 * The one table between ONNX TensorProto.DataType codes and pimc's dtypes. The frontend reads
 * tensors with it, and ops whose attributes carry a code (Cast's `to`, QuantizeLinear's
 * `output_dtype`) resolve it here too.
 */
/** ONNX TensorProto.DataType codes of the dtypes pimc has. */
const ONNX_CODES: Readonly<Record<DType, number>> = {
  float32: 1,
  uint8: 2,
  int8: 3,
  uint16: 4,
  int16: 5,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
  uint32: 12,
  uint64: 13,
};

/** Names of the ONNX codes pimc lacks, for messages. */
const MISSING_ONNX_TYPES: Readonly<Record<number, string>> = {
  0: 'UNDEFINED',
  8: 'STRING',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  16: 'BFLOAT16',
  17: 'FLOAT8E4M3FN',
  18: 'FLOAT8E4M3FNUZ',
  19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
  24: 'FLOAT8E8M0',
  25: 'UINT2',
  26: 'INT2',
};

const DTYPE_OF_CODE = new Map<number, DType>(Object.entries(ONNX_CODES).map(([d, c]) => [c, d as DType]));

/** The dtype an ONNX TensorProto.DataType code names (Cast's `to`), refusing those pimc lacks. */
export function dtypeFromOnnxCode(code: number, what = 'Cast'): DType {
  const dtype = DTYPE_OF_CODE.get(code);
  if (dtype === undefined) {
    const name = MISSING_ONNX_TYPES[code];
    throw new PimcError(
      'unsupported-dtype',
      name === undefined
        ? `${what}: unknown ONNX data type ${code}`
        : `${what}: ONNX data type ${name} (${code}) is not supported by pimc`,
    );
  }
  return dtype;
}

/** The ONNX TensorProto.DataType code of a dtype (for building Cast nodes). */
export function onnxCodeOfDType(dtype: DType): number {
  return ONNX_CODES[dtype];
}
