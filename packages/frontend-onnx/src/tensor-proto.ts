import { PimcError } from '@pimc/support';
import {
  allocate,
  DTYPE_BYTES,
  float16BitsToNumber,
  numberToFloat16Bits,
  sizeOf,
  Tensor,
  type DType,
  type TypedArray,
} from '@pimc/ir';
import { onnx } from '@pimc/onnx-schema';
import { dtypeFromOnnx, dtypeToOnnx } from './dtypes.js';
import { parseExternalData, type ExternalDataReader } from './external-data.js';

/**
 * TensorProto → Tensor. The element count implied by the dims is checked (and refused above 2^31)
 * before anything is allocated, and the payload must hold exactly that many elements: a short or
 * long payload is a corrupt file, not something to pad or truncate.
 */
export function tensorFromProto(proto: onnx.ITensorProto, where: string, external?: ExternalDataReader): Tensor {
  const name = proto.name ?? '';
  const label = name === '' ? where : `${where} '${name}'`;
  const dtype = dtypeFromOnnx(proto.dataType ?? 0, label);
  const dims = (proto.dims ?? []).map(Number);
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new PimcError('invalid-tensor', `${label}: invalid dimension ${d} in dims [${dims.join(', ')}]`);
    }
  }
  const n = sizeOf(dims, label);
  const bytes = DTYPE_BYTES[dtype];

  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    if (external === undefined) throw new PimcError('external-data', `${label}: external data is not available here`);
    const raw = external.read(parseExternalData(proto.externalData ?? [], label), n * bytes, label);
    return new Tensor(dtype, dims, fromRaw(dtype, raw, n));
  }
  const raw = proto.rawData;
  if (raw !== undefined && raw !== null && raw.length > 0) {
    if (raw.length !== n * bytes) {
      throw new PimcError(
        'invalid-tensor',
        `${label}: raw_data has ${raw.length} bytes but ${dtype}[${dims.join(',')}] needs ${n * bytes}`,
      );
    }
    return new Tensor(dtype, dims, fromRaw(dtype, raw, n));
  }
  return new Tensor(dtype, dims, fromTypedFields(proto, dtype, n, label));
}

/** Typed-array views for dtypes whose storage matches ONNX's little-endian bytes one to one. */
const VIEWS: Partial<Record<DType, new (buffer: ArrayBuffer, offset: number, length: number) => TypedArray>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
};

/** Typed arrays use the platform's byte order; ONNX is little-endian, like every platform Node runs on here. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Decodes little-endian raw bytes. An aligned payload is viewed in place (no copy: the importer's
 * peak memory stays near the file size); an unaligned one (raw_data may start anywhere inside the
 * protobuf buffer) is copied once with memcpy, then viewed. Only float16 and the 64-bit integers,
 * whose storage differs from their bytes, are converted element by element.
 */
function fromRaw(dtype: DType, raw: Uint8Array, n: number): TypedArray {
  const View = LITTLE_ENDIAN ? VIEWS[dtype] : undefined;
  if (View !== undefined) {
    const width = DTYPE_BYTES[dtype];
    const aligned = raw.byteOffset % width === 0 ? raw : copyBytes(raw);
    return new View(aligned.buffer as ArrayBuffer, aligned.byteOffset, n);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = allocate(dtype, n) as TypedArray;
  switch (dtype) {
    case 'float16':
      for (let i = 0; i < n; i++) out[i] = float16BitsToNumber(view.getUint16(2 * i, true));
      break;
    case 'int64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      break;
    case 'uint64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(8 * i, true));
      break;
    default:
      // Big-endian hosts: the same values through a DataView.
      for (let i = 0; i < n; i++) out[i] = readLittleEndian(view, dtype, i);
  }
  return out;
}

function readLittleEndian(view: DataView, dtype: DType, i: number): number {
  switch (dtype) {
    case 'float32':
      return view.getFloat32(4 * i, true);
    case 'float64':
      return view.getFloat64(8 * i, true);
    case 'int8':
      return view.getInt8(i);
    case 'int16':
      return view.getInt16(2 * i, true);
    case 'uint16':
      return view.getUint16(2 * i, true);
    case 'int32':
      return view.getInt32(4 * i, true);
    case 'uint32':
      return view.getUint32(4 * i, true);
    default:
      return view.getUint8(i);
  }
}

/** The typed repeated fields ONNX uses when raw_data is absent (each dtype has one home field). */
function fromTypedFields(proto: onnx.ITensorProto, dtype: DType, n: number, label: string): TypedArray {
  let source: ArrayLike<number>;
  let field: string;
  switch (dtype) {
    case 'float32':
      [source, field] = [proto.floatData ?? [], 'float_data'];
      break;
    case 'float64':
      [source, field] = [proto.doubleData ?? [], 'double_data'];
      break;
    case 'int64':
      [source, field] = [proto.int64Data ?? [], 'int64_data'];
      break;
    case 'uint32':
    case 'uint64':
      [source, field] = [proto.uint64Data ?? [], 'uint64_data'];
      break;
    default:
      // int8/uint8/int16/uint16/int32/bool, and float16 as its bit patterns.
      [source, field] = [proto.int32Data ?? [], 'int32_data'];
  }
  if (source.length !== n) {
    throw new PimcError('invalid-tensor', `${label}: ${field} has ${source.length} values but ${dtype} dims need ${n}`);
  }
  const out = allocate(dtype, n) as TypedArray;
  if (dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = float16BitsToNumber(source[i]! & 0xffff);
  } else {
    for (let i = 0; i < n; i++) out[i] = Number(source[i]);
  }
  return out;
}

/** Tensor → TensorProto bytes (raw_data, little-endian), as ONNX test sets store them. */
export function encodeTensorProto(tensor: Tensor, name = ''): Uint8Array {
  const n = tensor.size;
  const raw = new Uint8Array(n * DTYPE_BYTES[tensor.dtype]);
  const view = new DataView(raw.buffer);
  const data = tensor.data as TypedArray;
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    switch (tensor.dtype) {
      case 'float32':
        view.setFloat32(4 * i, v, true);
        break;
      case 'float16':
        view.setUint16(2 * i, numberToFloat16Bits(v), true);
        break;
      case 'float64':
        view.setFloat64(8 * i, v, true);
        break;
      case 'int8':
        view.setInt8(i, v);
        break;
      case 'uint8':
      case 'bool':
        view.setUint8(i, v);
        break;
      case 'int16':
        view.setInt16(2 * i, v, true);
        break;
      case 'uint16':
        view.setUint16(2 * i, v, true);
        break;
      case 'int32':
        view.setInt32(4 * i, v, true);
        break;
      case 'uint32':
        view.setUint32(4 * i, v, true);
        break;
      case 'int64':
        view.setBigInt64(8 * i, BigInt(Math.trunc(v)), true);
        break;
      case 'uint64':
        view.setBigUint64(8 * i, BigInt(Math.trunc(v)), true);
        break;
    }
  }
  return onnx.TensorProto.encode({ name, dims: [...tensor.shape], dataType: dtypeToOnnx(tensor.dtype), rawData: raw }).finish();
}

/** Decodes a serialized TensorProto (an ONNX test-set `.pb` file). */
export function decodeTensorProto(bytes: Uint8Array, where: string): { name: string; tensor: Tensor } {
  let proto: onnx.TensorProto;
  try {
    proto = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new PimcError('malformed-protobuf', `${where}: not a valid TensorProto (${(e as Error).message})`, { cause: e });
  }
  if (proto.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new PimcError('external-data', `${where}: a standalone tensor file cannot refer to external data`);
  }
  return { name: proto.name ?? '', tensor: tensorFromProto(proto, where) };
}

/** A fresh, aligned copy of `raw`, without zero-filling memory that is overwritten at once. */
function copyBytes(raw: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafeSlow(raw.byteLength);
  copy.set(raw);
  return copy;
}
