/** Throws unless x[offset, offset+len) is in bounds; `fn` names the caller in the message. */
export function checkRange(fn: string, name: string, x: Float32Array, offset: number, len: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + len > x.length) {
    throw new RangeError(`${fn}: ${name} needs ${len} elements from offset ${offset}, but has length ${x.length}`);
  }
}
