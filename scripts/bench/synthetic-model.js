// Writes a synthetic ONNX model of about `megabytes` MB: a chain of MatMul + Add layers whose
// float32 weights are stored as raw_data, like an exporter would write a large MLP.
import { writeFileSync } from 'node:fs';
import { onnx } from '@pimc/onnx-schema';

export function writeSyntheticModel(path, megabytes) {
  const width = 1024;
  const layerBytes = width * width * 4;
  const layers = Math.max(1, Math.round((megabytes * 1e6) / layerBytes));
  const initializer = [];
  const node = [];
  let x = 'input';
  for (let l = 0; l < layers; l++) {
    const w = new Float32Array(width * width);
    for (let i = 0; i < w.length; i++) w[i] = (((i * 2654435761) >>> 0) % 1000) / 1e6 - 5e-4;
    const b = new Float32Array(width).fill(0.01);
    initializer.push({ name: `w${l}`, dims: [width, width], dataType: 1, rawData: new Uint8Array(w.buffer) });
    initializer.push({ name: `b${l}`, dims: [width], dataType: 1, rawData: new Uint8Array(b.buffer) });
    node.push({ opType: 'MatMul', name: `mm${l}`, input: [x, `w${l}`], output: [`h${l}`] });
    node.push({ opType: 'Add', name: `add${l}`, input: [`h${l}`, `b${l}`], output: [`y${l}`] });
    x = `y${l}`;
  }
  const tensorType = (shape) => ({
    tensorType: { elemType: 1, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } },
  });
  const model = {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'pimc-bench',
    graph: {
      name: 'synthetic',
      node,
      initializer,
      input: [{ name: 'input', type: tensorType(['N', width]) }],
      output: [{ name: x, type: tensorType(['N', width]) }],
    },
  };
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return { layers, width };
}
