import { PimcError } from '@pimc/support';
import type { DType } from '@pimc/ir';

/** ONNX TensorProto.DataType codes pimc reads, and the IR dtype each becomes. */
const FROM_ONNX: ReadonlyMap<number, DType> = new Map<number, DType>([
  [1, 'float32'],
  [2, 'uint8'],
  [3, 'int8'],
  [4, 'uint16'],
  [5, 'int16'],
  [6, 'int32'],
  [7, 'int64'],
  [9, 'bool'],
  [10, 'float16'],
  [11, 'float64'],
  [12, 'uint32'],
  [13, 'uint64'],
]);

/** Names of the codes pimc does not read, so the error can say what it met. */
const UNSUPPORTED_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'UNDEFINED'],
  [8, 'STRING'],
  [14, 'COMPLEX64'],
  [15, 'COMPLEX128'],
  [16, 'BFLOAT16'],
  [17, 'FLOAT8E4M3FN'],
  [18, 'FLOAT8E4M3FNUZ'],
  [19, 'FLOAT8E5M2'],
  [20, 'FLOAT8E5M2FNUZ'],
  [21, 'UINT4'],
  [22, 'INT4'],
  [23, 'FLOAT4E2M1'],
]);

export function dtypeFromOnnx(code: number, where: string): DType {
  const dtype = FROM_ONNX.get(code);
  if (dtype !== undefined) return dtype;
  const name = UNSUPPORTED_NAMES.get(code);
  throw new PimcError(
    'unsupported-dtype',
    name === undefined
      ? `${where}: unknown ONNX data type ${code}`
      : `${where}: ONNX data type ${name} (${code}) is not supported by pimc`,
  );
}

export function dtypeToOnnx(dtype: DType): number {
  for (const [code, d] of FROM_ONNX) if (d === dtype) return code;
  throw new PimcError('internal', `no ONNX code for ${dtype}`);
}
