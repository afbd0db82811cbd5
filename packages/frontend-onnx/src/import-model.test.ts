import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor } from '@pimc/ir';
import { onnx } from '@pimc/onnx-schema';
import { isPimcError, type ErrorCode } from '@pimc/support';
import { buildOnnxModel, onnxModelProto, type TestModel } from '@pimc/testing';
import { importModel, loadModel } from './import-model.js';

const relu: TestModel = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 4] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: ['N', 4] }],
  nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
};

/** Runs `fn`, expecting a PimcError with `code` whose message matches `pattern`. */
function expectError(fn: () => unknown, code: ErrorCode, pattern: RegExp): void {
  try {
    fn();
  } catch (e) {
    if (!isPimcError(e)) throw e;
    expect(e.code).toBe(code);
    expect(e.describe()).toMatch(pattern);
    return;
  }
  throw new Error('expected an error');
}

function encode(proto: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(proto).finish();
}

describe('importModel', () => {
  it('imports a graph with symbolic dims and its opset', () => {
    const model = importModel(buildOnnxModel(relu));
    expect(model.graph.inputs[0]!.type.shape).toEqual(['N', 4]);
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Relu']);
    expect(model.opsets.get('')).toBe(17);
  });

  it('refuses bytes that are not protobuf', () => {
    expectError(
      () => importModel(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f])),
      'malformed-protobuf',
      /not a valid ONNX model/,
    );
  });

  it('refuses a truncated model', () => {
    const bytes = buildOnnxModel({ ...relu, initializers: { w: Tensor.from('float32', [64], new Array(64).fill(1)) } });
    expectError(() => importModel(bytes.subarray(0, bytes.length - 40)), 'malformed-protobuf', /truncated|index out of range/);
  });

  it('refuses a protobuf without a graph', () => {
    expectError(() => importModel(new Uint8Array([0x08, 0x07])), 'invalid-model', /no graph/);
  });

  it('lists every unsupported op type with node names, domain and opsets in one error', () => {
    const model: TestModel = {
      ...relu,
      extraOpsets: { 'com.microsoft': 1 },
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        { op: 'NonMaxSuppression', name: 'nms', inputs: ['a'], outputs: ['b'] },
        { op: 'FusedConv', name: 'fused', domain: 'com.microsoft', inputs: ['b'], outputs: ['c'] },
        { op: 'NonMaxSuppression', name: 'nms2', inputs: ['c'], outputs: ['y'] },
      ],
    };
    expectError(
      () => importModel(buildOnnxModel(model)),
      'unsupported-op',
      /2 unsupported op types[\s\S]*NonMaxSuppression \(domain 'ai\.onnx'\): nodes nms, nms2[\s\S]*FusedConv \(domain 'com\.microsoft'\): nodes fused[\s\S]*model opsets: ai\.onnx 17, com\.microsoft 1/,
    );
  });

  it('refuses an opset outside the supported range', () => {
    expectError(() => importModel(buildOnnxModel({ ...relu, opset: 5 })), 'unsupported-model', /opset 5 is outside/);
    expectError(() => importModel(buildOnnxModel({ ...relu, opset: 99 })), 'unsupported-model', /opset 99 is outside/);
  });

  it('refuses a tensor whose data does not match its dims', () => {
    const proto = onnxModelProto(relu);
    proto.graph!.initializer = [{ name: 'w', dims: [2, 3], dataType: 1, rawData: new Uint8Array(20) }];
    expectError(() => importModel(encode(proto)), 'invalid-tensor', /'w': raw_data has 20 bytes but float32\[2,3\] needs 24/);
    proto.graph!.initializer = [{ name: 'w', dims: [4], dataType: 1, floatData: [1, 2, 3] }];
    expectError(() => importModel(encode(proto)), 'invalid-tensor', /float_data has 3 values but float32 dims need 4/);
  });

  it('refuses absurd shapes before allocating', () => {
    const proto = onnxModelProto(relu);
    proto.graph!.initializer = [{ name: 'huge', dims: [65536, 65536, 2], dataType: 1, rawData: new Uint8Array(4) }];
    expectError(
      () => importModel(encode(proto)),
      'shape-too-large',
      /'huge' of shape \[65536, 65536, 2\].*more than the limit of 2\^31/,
    );
    proto.graph!.initializer = [{ name: 'neg', dims: [-3], dataType: 1 }];
    expectError(() => importModel(encode(proto)), 'invalid-tensor', /'neg': invalid dimension -3/);
  });

  it('names unknown and unsupported data types', () => {
    const proto = onnxModelProto(relu);
    proto.graph!.initializer = [{ name: 's', dims: [1], dataType: 8 }];
    expectError(() => importModel(encode(proto)), 'unsupported-dtype', /'s': ONNX data type STRING \(8\) is not supported/);
    proto.graph!.initializer = [{ name: 'q', dims: [1], dataType: 77 }];
    expectError(() => importModel(encode(proto)), 'unsupported-dtype', /'q': unknown ONNX data type 77/);
  });

  it('reads raw_data that starts at an unaligned offset', () => {
    const proto = onnxModelProto({
      ...relu,
      nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    const values = new Float32Array([1.5, -2, 3.25, 4]);
    proto.graph!.initializer = [{ name: 'w', dims: [4], dataType: 1, rawData: new Uint8Array(values.buffer) }];
    // A one-byte name before the tensor shifts raw_data off 4-byte alignment inside the buffer.
    for (const name of ['w', 'ww']) {
      proto.graph!.initializer[0]!.name = name;
      proto.graph!.node![0]!.input = ['x', name];
      const model = importModel(encode(proto));
      expect(Array.from(model.graph.nodes[0]!.inputs[1]!.constant!.data)).toEqual([1.5, -2, 3.25, 4]);
    }
  });

  it('takes weights from Constant nodes in every value form', () => {
    const model = importModel(
      buildOnnxModel({
        ...relu,
        nodes: [
          { op: 'Constant', inputs: [], outputs: ['c1'], attrs: { value: Tensor.from('float32', [4], [1, 2, 3, 4]) } },
          { op: 'Constant', inputs: [], outputs: ['c2'], attrs: { value_floats: { floats: [1, 1, 1, 1] } } },
          { op: 'Add', inputs: ['x', 'c1'], outputs: ['a'] },
          { op: 'Mul', inputs: ['a', 'c2'], outputs: ['y'] },
        ],
      }),
    );
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Add', 'Mul']);
    expect(model.graph.nodes[0]!.inputs[1]!.constant!.toNumbers()).toEqual([1, 2, 3, 4]);
  });

  it('sorts nodes listed out of order, and reports cycles and undefined operands by name', () => {
    const unsorted = importModel(
      buildOnnxModel({
        ...relu,
        nodes: [
          { op: 'Relu', inputs: ['a'], outputs: ['y'] },
          { op: 'Relu', inputs: ['x'], outputs: ['a'] },
        ],
      }),
    );
    expect(unsorted.graph.nodes.map((n) => n.inputs[0]!.name)).toEqual(['x', 'a']);
    const cyclic: TestModel = {
      ...relu,
      nodes: [
        { op: 'Add', inputs: ['x', 'b'], outputs: ['a'] },
        { op: 'Relu', inputs: ['a'], outputs: ['b'] },
        { op: 'Relu', inputs: ['b'], outputs: ['y'] },
      ],
    };
    expectError(() => importModel(buildOnnxModel(cyclic)), 'invalid-model', /cycle/);
    const dangling: TestModel = { ...relu, nodes: [{ op: 'Relu', name: 'r', inputs: ['nowhere'], outputs: ['y'] }] };
    expectError(
      () => importModel(buildOnnxModel(dangling)),
      'invalid-model',
      /'r' \(Relu\) reads 'nowhere', which nothing defines/,
    );
  });

  it('refuses unknown attributes instead of ignoring them', () => {
    const model: TestModel = {
      ...relu,
      nodes: [{ op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'], attrs: { alpha: { float: 2 } } }],
    };
    expectError(() => importModel(buildOnnxModel(model)), 'unsupported-attribute', /node 'r' \(Relu\).*no attribute 'alpha'/);
  });
});

describe('external data', () => {
  const modelWithExternal = (location: string, length = 16): Uint8Array => {
    const proto = onnxModelProto({ ...relu, nodes: [{ op: 'Add', inputs: ['x', 'w'], outputs: ['y'] }] });
    proto.graph!.initializer = [
      {
        name: 'w',
        dims: [4],
        dataType: 1,
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: location },
          { key: 'offset', value: '4' },
          { key: 'length', value: String(length) },
        ],
      },
    ];
    return encode(proto);
  };

  const folder = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-ext-'));
    const data = new Float32Array([99, 1, 2, 3, 4]);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
    return dir;
  };

  it('reads a relative file inside the model folder at its offset', () => {
    const dir = folder();
    writeFileSync(join(dir, 'model.onnx'), modelWithExternal('weights.bin'));
    const model = loadModel(join(dir, 'model.onnx'));
    expect(model.graph.nodes[0]!.inputs[1]!.constant!.toNumbers()).toEqual([1, 2, 3, 4]);
  });

  it('refuses absolute paths, .. steps and links that leave the folder', () => {
    const dir = folder();
    const outside = folder();
    for (const location of [join(outside, 'weights.bin'), '../weights.bin', 'sub/../../weights.bin']) {
      writeFileSync(join(dir, 'model.onnx'), modelWithExternal(location));
      expectError(() => loadModel(join(dir, 'model.onnx')), 'external-data', /escapes the model's folder/);
    }
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(outside, 'weights.bin'), join(dir, 'sub', 'link.bin'));
    writeFileSync(join(dir, 'model.onnx'), modelWithExternal('sub/link.bin'));
    expectError(() => loadModel(join(dir, 'model.onnx')), 'external-data', /escapes the model's folder/);
  });

  it('refuses a length that disagrees with the dims, and data past the end of the file', () => {
    const dir = folder();
    writeFileSync(join(dir, 'model.onnx'), modelWithExternal('weights.bin', 12));
    expectError(() => loadModel(join(dir, 'model.onnx')), 'external-data', /length 12 does not match the 16 bytes/);
    writeFileSync(join(dir, 'short.bin'), new Uint8Array(8));
    writeFileSync(join(dir, 'model.onnx'), modelWithExternal('short.bin'));
    expectError(() => loadModel(join(dir, 'model.onnx')), 'external-data', /beyond the end of 'short\.bin'/);
  });

  it('names a missing model file', () => {
    expectError(() => loadModel('/nonexistent/model.onnx'), 'io', /cannot read model '\/nonexistent\/model\.onnx'/);
  });
});

describe("pimc's own dialect", () => {
  it('is not importable from ONNX', () => {
    const model: TestModel = { ...relu, nodes: [{ op: 'PimQAdd', name: 'q', inputs: ['x', 'x'], outputs: ['y'] }] };
    expectError(() => importModel(buildOnnxModel(model)), 'unsupported-op', /PimQAdd \(domain 'ai\.onnx'\): nodes q/);
  });
});
