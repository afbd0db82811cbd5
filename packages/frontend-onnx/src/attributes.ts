import { PimcError } from '@pimc/support';
import type { RawAttr } from '@pimc/ir';
import { onnx } from '@pimc/onnx-schema';
import type { ExternalDataReader } from './external-data.js';
import { tensorFromProto } from './tensor-proto.js';

const T = onnx.AttributeProto.AttributeType;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * AttributeProto → RawAttr. Models written before the `type` field existed leave it 0, so the kind
 * is then inferred from whichever value field is populated.
 */
export function rawAttrFromProto(a: onnx.IAttributeProto, where: string, external?: ExternalDataReader): RawAttr {
  const name = a.name ?? '';
  const label = `${where}: attribute '${name}'`;
  if (a.refAttrName !== undefined && a.refAttrName !== null && a.refAttrName !== '') {
    throw new PimcError('unsupported-attribute', `${label} refers to a function attribute, which pimc does not support`);
  }
  const type = a.type ?? T.UNDEFINED;
  switch (type === T.UNDEFINED ? guessType(a) : type) {
    case T.FLOAT:
      return { kind: 'float', value: a.f ?? 0 };
    case T.INT:
      return { kind: 'int', value: Number(a.i ?? 0) };
    case T.STRING:
      return { kind: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case T.TENSOR:
      if (a.t === undefined || a.t === null) throw new PimcError('invalid-attribute', `${label} has no tensor`);
      return { kind: 'tensor', value: tensorFromProto(a.t, label, external) };
    case T.FLOATS:
      return { kind: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS:
      return { kind: 'ints', value: (a.ints ?? []).map(Number) };
    case T.STRINGS:
      return { kind: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case T.GRAPH:
    case T.GRAPHS:
      throw new PimcError('unsupported-attribute', `${label} is a subgraph; control flow (If, Loop, Scan) is not supported`);
    default:
      throw new PimcError('unsupported-attribute', `${label} has attribute type ${type}, which pimc does not read`);
  }
}

function guessType(a: onnx.IAttributeProto): number {
  if (a.t !== undefined && a.t !== null) return T.TENSOR;
  if ((a.floats?.length ?? 0) > 0) return T.FLOATS;
  if ((a.ints?.length ?? 0) > 0) return T.INTS;
  if ((a.strings?.length ?? 0) > 0) return T.STRINGS;
  if (a.s !== undefined && a.s !== null && a.s.length > 0) return T.STRING;
  if (a.i !== undefined && a.i !== null && a.i !== 0) return T.INT;
  if (a.f !== undefined && a.f !== null) return T.FLOAT;
  return T.INT;
}
