import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, prepareModel, readTensorFile, runModel, runConformanceTest } from '@pimc/driver';
import { Tensor } from '@pimc/ir';
import { LIGHT_MODELS_DIR, MNIST8_DIR, requireSharedData } from '@pimc/testing';

requireSharedData();

/** The light models' documented input: arange(N)/N reshaped to [1,3,224,224]. */
function arangeInput(): Tensor {
  const n = 3 * 224 * 224;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = i / n;
  return new Tensor('float32', [1, 3, 224, 224], data);
}

describe('light models reproduce their expected outputs', () => {
  const names = readdirSync(LIGHT_MODELS_DIR)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => f.replace(/\.onnx$/, ''));

  it('are all nine there', () => {
    expect(names).toHaveLength(9);
  });

  it.each(names)('%s', (name) => {
    const { model } = prepareModel(join(LIGHT_MODELS_DIR, `${name}.onnx`));
    const input = model.graph.inputs[0]!;
    const [output] = runModel(model, new Map([[input.name, arangeInput()]]));
    const expected = readTensorFile(join(LIGHT_MODELS_DIR, `${name}_output_0.pb`)).tensor;
    const comparison = compareTensors(output!.tensor, expected);
    expect(comparison.reason).toBeUndefined();
  });
});

describe('mnist-8 (trained CNN, opset 8)', () => {
  it('reproduces its three test sets', () => {
    const result = runConformanceTest(MNIST8_DIR);
    expect(result.error).toBeUndefined();
    expect(result.sets).toHaveLength(3);
    expect(result.ok).toBe(true);
  });
});
