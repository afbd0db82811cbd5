import { PimcError, Rng } from '@pimc/support';
import { describe, expect, it } from 'vitest';
import { pimb } from '../generated/pimb.js';
import { CHECKSUM_BYTES, HEADER_BYTES, wrapBody } from './container.js';
import { disassemble } from './disassemble.js';
import { decodePimb, encodePimb } from './pimb.js';
import type { Program } from './program.js';
import { rapidnnSampleProgram } from './rapidnn-sample.testing.js';
import { sampleProgram } from './sample-program.testing.js';

type Outcome = { kind: 'program'; program: Program } | { kind: 'error'; error: PimcError };

/** Decodes, turning PimcErrors into an outcome; anything else thrown fails the test. */
function attempt(bytes: Uint8Array): Outcome {
  try {
    return { kind: 'program', program: decodePimb(bytes) };
  } catch (e) {
    if (e instanceof PimcError) return { kind: 'error', error: e };
    throw new Error(`decodePimb threw a non-PimcError on ${bytes.length} bytes: ${String(e)}`, { cause: e });
  }
}

/** A decoded program must be one the encoder accepts, survive a round trip and disassemble. */
function expectUsable(program: Program): void {
  expect(decodePimb(encodePimb(program))).toStrictEqual(program);
  expect(disassemble(program)).toContain('instructions');
}

/** One random change: flipped bits, overwritten or inserted or deleted bytes, or a cut. */
function mutate(bytes: Uint8Array, rng: Rng, hotZone: number): Uint8Array {
  // Half the edits land in the first `hotZone` bytes, where the framing and small fields are.
  const pos = (n: number): number => (rng.next() < 0.5 ? rng.int(0, Math.min(hotZone, n) - 1) : rng.int(0, n - 1));
  const out = bytes.slice();
  switch (rng.int(0, 5)) {
    case 0: {
      for (let k = rng.int(1, 3); k > 0; k--) out[pos(out.length)] ^= 1 << rng.int(0, 7);
      return out;
    }
    case 1: {
      out[pos(out.length)] = rng.int(0, 255);
      return out;
    }
    case 2:
      return bytes.slice(0, rng.int(0, bytes.length - 1));
    case 3: {
      const at = pos(bytes.length);
      const inserted = Uint8Array.from({ length: rng.int(1, 4) }, () => rng.int(0, 255));
      return Uint8Array.from([...bytes.subarray(0, at), ...inserted, ...bytes.subarray(at)]);
    }
    case 4: {
      const at = pos(bytes.length);
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(Math.min(bytes.length, at + rng.int(1, 8)))]);
    }
    default: {
      const at = pos(out.length);
      out.fill(rng.int(0, 255), at, Math.min(out.length, at + rng.int(2, 16)));
      return out;
    }
  }
}

describe.each([
  ['a crossbar program', sampleProgram()],
  ['a RAPIDNN program', rapidnnSampleProgram()],
])('decodePimb on damaged input (%s) never crashes or hangs', (_, original) => {
  const good = encodePimb(original);
  const body = good.subarray(HEADER_BYTES, good.length - CHECKSUM_BYTES);

  it('damaged files (checksum kept) decode identically or throw a PimcError', () => {
    const rng = new Rng(2024);
    const codes = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const outcome = attempt(mutate(good, rng, 32));
      if (outcome.kind === 'program') expect(outcome.program).toStrictEqual(original);
      else codes.add(outcome.error.code);
    }
    expect(codes.size).toBeGreaterThan(0);
  });

  it('damaged bodies behind a valid checksum give a PimcError or a usable program', () => {
    const rng = new Rng(99);
    let errors = 0;
    for (let i = 0; i < 1500; i++) {
      const outcome = attempt(wrapBody(mutate(body, rng, 2048)));
      if (outcome.kind === 'program') expectUsable(outcome.program);
      else errors++;
    }
    expect(errors).toBeGreaterThan(100);
  });

  it('random field values in a valid protobuf give a PimcError or a usable program', () => {
    const rng = new Rng(5);
    const extremes = [0, 1, 2, 3, 4, 7, 8, 15, 16, 127, 128, 255, 256, 2 ** 31 - 1, 2 ** 32 - 1];
    let errors = 0;
    for (let i = 0; i < 800; i++) {
      const wire = pimb.Program.decode(body);
      const fields = numericFields(wire);
      for (let k = rng.int(1, 3); k > 0; k--) {
        const { target, key } = fields[rng.int(0, fields.length - 1)];
        const value = extremes[rng.int(0, extremes.length - 1)];
        const current = target[key];
        if (Array.isArray(current)) {
          const copy = [...(current as number[])];
          if (copy.length > 0 && rng.next() < 0.7) copy[rng.int(0, copy.length - 1)] = value;
          else if (rng.next() < 0.5) copy.push(value);
          else copy.pop();
          target[key] = copy;
        } else target[key] = value;
      }
      const outcome = attempt(wrapBody(pimb.Program.encode(wire).finish()));
      if (outcome.kind === 'program') expectUsable(outcome.program);
      else errors++;
    }
    expect(errors).toBeGreaterThan(100);
  });

  it('random bodies give a PimcError or a usable program', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 500; i++) {
      const random = Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 255));
      const outcome = attempt(wrapBody(random));
      if (outcome.kind === 'program') expectUsable(outcome.program);
    }
  });
});

interface FieldRef {
  readonly target: Record<string, unknown>;
  readonly key: string;
}

/** Every unsigned-integer field (or list of them) in a decoded message tree, for random edits. */
function numericFields(root: object): FieldRef[] {
  const found: FieldRef[] = [];
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    const target = node as Record<string, unknown>;
    for (const key of Object.keys(target)) {
      const value = target[key];
      if (typeof value === 'number' || (Array.isArray(value) && value.every((v) => typeof v === 'number'))) {
        found.push({ target, key });
      } else visit(value);
    }
  };
  visit(root);
  return found;
}
