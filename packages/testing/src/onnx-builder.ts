import { dtypeToOnnx } from '@pimc/frontend-onnx';
import { Tensor, type DType } from '@pimc/ir';
import { onnx } from '@pimc/onnx-schema';

/** An attribute value as tests write it; numbers are ints unless wrapped with `float`. */
export type TestAttr = number | string | number[] | string[] | Tensor | { float: number } | { floats: number[] };

export interface TestNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly domain?: string;
  readonly attrs?: Readonly<Record<string, TestAttr>>;
}

export interface TestValue {
  readonly name: string;
  readonly dtype: DType;
  /** Numbers for fixed sizes, strings for symbolic ones; undefined for an unknown shape. */
  readonly shape?: readonly (number | string)[];
}

export interface TestModel {
  readonly opset?: number;
  readonly extraOpsets?: Readonly<Record<string, number>>;
  readonly inputs: readonly TestValue[];
  readonly outputs: readonly TestValue[];
  readonly nodes: readonly TestNode[];
  readonly initializers?: Readonly<Record<string, Tensor>>;
}

/** Serialises a model description to ONNX bytes (for frontend tests and onnxruntime oracles). */
export function buildOnnxModel(m: TestModel): Uint8Array {
  return onnx.ModelProto.encode(onnxModelProto(m)).finish();
}

export function onnxModelProto(m: TestModel): onnx.IModelProto {
  const valueInfo = (v: TestValue): onnx.IValueInfoProto => ({
    name: v.name,
    type: {
      tensorType: {
        elemType: dtypeToOnnx(v.dtype),
        ...(v.shape === undefined
          ? {}
          : { shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }),
      },
    },
  });
  return {
    irVersion: 8,
    producerName: 'pimc-tests',
    opsetImport: [
      { domain: '', version: m.opset ?? 17 },
      ...Object.entries(m.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version })),
    ],
    graph: {
      name: 'test',
      input: m.inputs.map(valueInfo),
      output: m.outputs.map(valueInfo),
      initializer: Object.entries(m.initializers ?? {}).map(([name, t]) => tensorProto(t, name)),
      node: m.nodes.map((n, i) => ({
        opType: n.op,
        name: n.name ?? `${n.op}_${i}`,
        domain: n.domain ?? '',
        input: [...n.inputs],
        output: [...n.outputs],
        attribute: Object.entries(n.attrs ?? {}).map(([name, v]) => attributeProto(name, v)),
      })),
    },
  };
}

export function tensorProto(t: Tensor, name = ''): onnx.ITensorProto {
  const bytes = new Uint8Array(
    t.size *
      (t.dtype === 'int64'
        ? 8
        : t.dtype === 'float64'
          ? 8
          : t.dtype.endsWith('16')
            ? 2
            : t.dtype.endsWith('8') || t.dtype === 'bool'
              ? 1
              : 4),
  );
  const view = new DataView(bytes.buffer);
  const data = t.data as ArrayLike<number>;
  for (let i = 0; i < t.size; i++) {
    const x = data[i]!;
    switch (t.dtype) {
      case 'float32':
        view.setFloat32(4 * i, x, true);
        break;
      case 'float64':
        view.setFloat64(8 * i, x, true);
        break;
      case 'int64':
        view.setBigInt64(8 * i, BigInt(x), true);
        break;
      case 'int32':
        view.setInt32(4 * i, x, true);
        break;
      case 'int8':
        view.setInt8(i, x);
        break;
      case 'uint8':
      case 'bool':
        view.setUint8(i, x);
        break;
      default:
        throw new Error(`tensorProto: ${t.dtype} not needed by tests yet`);
    }
  }
  return { name, dims: [...t.shape], dataType: dtypeToOnnx(t.dtype), rawData: bytes };
}

function attributeProto(name: string, v: TestAttr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (v instanceof Tensor) return { name, type: T.TENSOR, t: tensorProto(v) };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) {
    return v.every((x) => typeof x === 'number')
      ? { name, type: T.INTS, ints: v as number[] }
      : { name, type: T.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  }
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  return { name, type: T.FLOATS, floats: v.floats };
}
