import { dtypeFromOnnxCode, onnxCodeOfDType, type DType } from '@pimc/ir';

/** The dtype of an ONNX data type code, naming `where` (a tensor, an input) when pimc lacks it. */
export function dtypeFromOnnx(code: number, where: string): DType {
  return dtypeFromOnnxCode(code, where);
}

export function dtypeToOnnx(dtype: DType): number {
  return onnxCodeOfDType(dtype);
}
