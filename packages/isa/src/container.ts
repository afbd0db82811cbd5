import { crc32 } from './crc32.js';
import { PIMB_ERROR_CODES, failWith } from './pimb-errors.js';
import { PIMB_FORMAT_VERSION } from './program.js';

/**
 * The container around the protobuf body (docs/pimb-format.md):
 *
 *   offset 0   4 bytes  magic "PIMB"
 *   offset 4   u16 LE   format version
 *   offset 6   u16 LE   flags (none defined: must be 0)
 *   offset 8   u32 LE   body length N
 *   offset 12  N bytes  body: protobuf message pimb.Program
 *   offset 12+N u32 LE  CRC-32 of bytes [0, 12 + N) (header and body)
 */
export const PIMB_MAGIC = 'PIMB';
export const HEADER_BYTES = 12;
export const CHECKSUM_BYTES = 4;
/** The oldest format version this reader accepts (it reads exactly one version today). */
export const OLDEST_READABLE_VERSION = PIMB_FORMAT_VERSION;

const MAGIC_BYTES = new TextEncoder().encode(PIMB_MAGIC);

/** Frames a protobuf body: header, body, checksum. */
export function wrapBody(body: Uint8Array, version: number = PIMB_FORMAT_VERSION, flags = 0): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + body.length + CHECKSUM_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC_BYTES, 0);
  view.setUint16(4, version, true);
  view.setUint16(6, flags, true);
  view.setUint32(8, body.length, true);
  bytes.set(body, HEADER_BYTES);
  const end = HEADER_BYTES + body.length;
  view.setUint32(end, crc32(bytes.subarray(0, end)), true);
  return bytes;
}

export interface Unwrapped {
  readonly version: number;
  /** A view of the body inside `bytes`. */
  readonly body: Uint8Array;
}

/**
 * Checks the container and returns the body. The checks go from the first byte on, so each error
 * says the most useful thing: not a .pimb at all, then a version this reader does not know (whose
 * layout after the version it must not interpret), then truncation, then corruption.
 */
export function unwrapBody(bytes: Uint8Array, file?: string): Unwrapped {
  const fail = failWith(PIMB_ERROR_CODES.invalidBinary, file);
  const size = bytes.length;
  const magicSeen = bytes.subarray(0, Math.min(4, size));
  if (size === 0) fail('', 'empty file: not a .pimb binary');
  if (!magicSeen.every((b, i) => b === MAGIC_BYTES[i])) {
    fail('', `not a .pimb binary: it starts with ${describeBytes(bytes.subarray(0, 8))}, expected the magic "${PIMB_MAGIC}"`, [
      'a .pimb is written by `pimc compile`; ONNX models and chip descriptions are other inputs',
    ]);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (size >= 6) {
    const version = view.getUint16(4, true);
    if (version > PIMB_FORMAT_VERSION) {
      fail('', `.pimb format version ${version} is newer than this pimc reads (version ${PIMB_FORMAT_VERSION})`, [
        'use a newer pimc, or recompile the model with this one',
      ]);
    }
    if (version < OLDEST_READABLE_VERSION) {
      fail(
        '',
        `.pimb format version ${version} is older than this pimc reads (version ${OLDEST_READABLE_VERSION}${
          OLDEST_READABLE_VERSION === PIMB_FORMAT_VERSION ? '' : `..${PIMB_FORMAT_VERSION}`
        })`,
        ['recompile the model with this pimc'],
      );
    }
  }
  if (size < HEADER_BYTES + CHECKSUM_BYTES) {
    fail('', `truncated .pimb: ${size} bytes, but even an empty program needs ${HEADER_BYTES + CHECKSUM_BYTES}`);
  }
  const version = view.getUint16(4, true);
  const flags = view.getUint16(6, true);
  if (flags !== 0) {
    fail('', `unsupported .pimb flags 0x${flags.toString(16).padStart(4, '0')}: format version ${version} defines none`);
  }
  const bodyLength = view.getUint32(8, true);
  const expected = HEADER_BYTES + bodyLength + CHECKSUM_BYTES;
  if (size < expected) {
    fail('', `truncated .pimb: ${size} bytes, but its header announces ${expected} (a ${bodyLength}-byte body)`, [
      `${expected - size} bytes are missing; was the file cut short while copying or writing?`,
    ]);
  }
  if (size > expected) {
    fail('', `${size - expected} unexpected bytes after the end of the .pimb (${expected} bytes announced, ${size} found)`);
  }
  const end = HEADER_BYTES + bodyLength;
  const stored = view.getUint32(end, true);
  const actual = crc32(bytes.subarray(0, end));
  if (stored !== actual) {
    fail('', `corrupt .pimb: checksum mismatch (stored CRC-32 ${hex32(stored)}, computed ${hex32(actual)})`, [
      'the file was modified or damaged after pimc wrote it; recompile the model',
    ]);
  }
  return { version, body: bytes.subarray(HEADER_BYTES, end) };
}

function hex32(x: number): string {
  return `0x${x.toString(16).padStart(8, '0')}`;
}

/** `50 4b 03 04 ("PK..")`: the leading bytes in hex, with their printable characters. */
function describeBytes(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return `${hex} ("${text}")`;
}
