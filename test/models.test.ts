import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, prepareModel, readTensorFile, runModel, runConformanceTest } from '@pimc/driver';
import { Tensor } from '@pimc/ir';
import { FIXTURES_DIR, LIGHT_MODELS_DIR, MNIST8_DIR, requireSharedData } from '@pimc/testing';

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

describe('fixture models classify their 1,000 labelled test images as trained', () => {
  const fixtures = readdirSync(FIXTURES_DIR).filter((d) => existsSync(join(FIXTURES_DIR, d, 'model.onnx')));

  it.each(fixtures)('%s', (name) => {
    const dir = join(FIXTURES_DIR, name);
    const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as { test_accuracy_first_1000: number };
    const { model } = prepareModel(join(dir, 'model.onnx'));
    let correct = 0;
    let total = 0;
    for (let set = 0; set < 4; set++) {
      const setDir = join(dir, `test_data_set_${set}`);
      const input = readTensorFile(join(setDir, 'input_0.pb')).tensor;
      const labels = readTensorFile(join(setDir, 'labels_0.pb')).tensor.toNumbers();
      const [logits] = runModel(model, new Map([[model.graph.inputs[0]!.name, input]]));
      const scores = logits!.tensor.toNumbers();
      labels.forEach((label, i) => {
        const row = scores.slice(i * 10, i * 10 + 10);
        if (row.indexOf(Math.max(...row)) === label) correct++;
        total++;
      });
    }
    expect(total).toBe(1000);
    expect(correct / total).toBeCloseTo(info.test_accuracy_first_1000, 3);
  });
});
