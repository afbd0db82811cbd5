import { PimcError } from '@pimc/support';
import { allocate, float16BitsToNumber, numberToFloat16Bits, sizeOf, Tensor, type DType, type TypedArray } from '@pimc/ir';

/** numpy `descr` strings (little-endian or byte-order-free) and the dtypes they hold. */
const DESCR: ReadonlyMap<string, DType> = new Map<string, DType>([
  ['<f4', 'float32'],
  ['<f2', 'float16'],
  ['<f8', 'float64'],
  ['|i1', 'int8'],
  ['|u1', 'uint8'],
  ['<i2', 'int16'],
  ['<u2', 'uint16'],
  ['<i4', 'int32'],
  ['<u4', 'uint32'],
  ['<i8', 'int64'],
  ['<u8', 'uint64'],
  ['|b1', 'bool'],
]);

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Reads a `.npy` file (format versions 1 to 3, C order, little-endian). */
export function decodeNpy(bytes: Uint8Array, where: string): Tensor {
  const fail = (why: string): never => {
    throw new PimcError('invalid-tensor', `${where}: not a readable .npy file: ${why}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('missing the \\x93NUMPY magic');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (major < 1 || major > 3) fail(`format version ${major} is unknown`);
  if (headerStart + headerLength > bytes.length) fail('the header is truncated');
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1] ?? fail('no descr in the header');
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] ?? fail('no fortran_order in the header');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? fail('no shape in the header');
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
  const dtype =
    DESCR.get(descr.replace(/^=/, '<')) ?? fail(`dtype '${descr}' is not supported (big-endian, strings and objects are not)`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : fail(`shape entry '${s}' is not a size`)));
  const n = sizeOf(shape, where);
  const offset = headerStart + headerLength;
  const width =
    dtype === 'float16'
      ? 2
      : dtype === 'bool' || dtype === 'int8' || dtype === 'uint8'
        ? 1
        : dtype.endsWith('64')
          ? 8
          : dtype.endsWith('16')
            ? 2
            : 4;
  if (bytes.length - offset !== n * width) {
    fail(`data has ${bytes.length - offset} bytes, shape (${shape.join(', ')}) of ${descr} needs ${n * width}`);
  }
  const data = allocate(dtype, n) as TypedArray;
  const body = new DataView(bytes.buffer, bytes.byteOffset + offset, n * width);
  for (let i = 0; i < n; i++) data[i] = readElement(body, dtype, i);
  return new Tensor(dtype, shape, data as never);
}

function readElement(v: DataView, dtype: DType, i: number): number {
  switch (dtype) {
    case 'float32':
      return v.getFloat32(4 * i, true);
    case 'float16':
      return float16BitsToNumber(v.getUint16(2 * i, true));
    case 'float64':
      return v.getFloat64(8 * i, true);
    case 'int8':
      return v.getInt8(i);
    case 'uint8':
    case 'bool':
      return v.getUint8(i);
    case 'int16':
      return v.getInt16(2 * i, true);
    case 'uint16':
      return v.getUint16(2 * i, true);
    case 'int32':
      return v.getInt32(4 * i, true);
    case 'uint32':
      return v.getUint32(4 * i, true);
    case 'int64':
      return Number(v.getBigInt64(8 * i, true));
    case 'uint64':
      return Number(v.getBigUint64(8 * i, true));
  }
}

/** Writes a `.npy` file (version 1.0). */
export function encodeNpy(tensor: Tensor): Uint8Array {
  const descr = [...DESCR].find(([, d]) => d === tensor.dtype)![0];
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // The header is padded with spaces so the data starts on a 64-byte boundary, ending in '\n'.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const width = tensor.dtype === 'float16' ? 2 : Number(descr.slice(2));
  const out = new Uint8Array(total + tensor.size * width);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const data = tensor.data as TypedArray;
  for (let i = 0; i < tensor.size; i++) {
    const x = data[i]!;
    const at = total + i * width;
    switch (tensor.dtype) {
      case 'float32':
        view.setFloat32(at, x, true);
        break;
      case 'float16':
        view.setUint16(at, numberToFloat16Bits(x), true);
        break;
      case 'float64':
        view.setFloat64(at, x, true);
        break;
      case 'int8':
        view.setInt8(at, x);
        break;
      case 'uint8':
      case 'bool':
        view.setUint8(at, x);
        break;
      case 'int16':
        view.setInt16(at, x, true);
        break;
      case 'uint16':
        view.setUint16(at, x, true);
        break;
      case 'int32':
        view.setInt32(at, x, true);
        break;
      case 'uint32':
        view.setUint32(at, x, true);
        break;
      case 'int64':
        view.setBigInt64(at, BigInt(Math.trunc(x)), true);
        break;
      case 'uint64':
        view.setBigUint64(at, BigInt(Math.trunc(x)), true);
        break;
    }
  }
  return out;
}
