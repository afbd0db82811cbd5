/**
 * Bulk int16, int32 and float32 arrays travel as little-endian `bytes` fields. On little-endian hosts (all Node
 * platforms in practice) that is one memory copy each way; big-endian hosts take the DataView path.
 */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The values as little-endian bytes (a view of the same memory on little-endian hosts). */
export function int32sToBytes(values: Int32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt32(i * 4, values[i], true);
  return bytes;
}

/** A fresh Int32Array from little-endian bytes; the caller checks that the length is a multiple of 4. */
export function bytesToInt32s(bytes: Uint8Array): Int32Array {
  const values = new Int32Array(bytes.length >>> 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(bytes.subarray(0, values.length * 4));
    return values;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getInt32(i * 4, true);
  return values;
}

/** The values as little-endian bytes (a view of the same memory on little-endian hosts). */
export function int16sToBytes(values: Int16Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setInt16(i * 2, values[i], true);
  return bytes;
}

/** A fresh Int16Array from little-endian bytes; the caller checks that the length is even. */
export function bytesToInt16s(bytes: Uint8Array): Int16Array {
  const values = new Int16Array(bytes.length >>> 1);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(bytes.subarray(0, values.length * 2));
    return values;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getInt16(i * 2, true);
  return values;
}

/** The values as little-endian IEEE-754 single-precision bytes (a view on little-endian hosts). */
export function float32sToBytes(values: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** A fresh Float32Array from little-endian bytes; the caller checks that the length is a multiple of 4. */
export function bytesToFloat32s(bytes: Uint8Array): Float32Array {
  const values = new Float32Array(bytes.length >>> 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(bytes.subarray(0, values.length * 4));
    return values;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  return values;
}
