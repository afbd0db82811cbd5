import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getPreset } from '@pimc/arch';
import { quantizeModel, readCalibrationFeeds, readTensorFile, runModel } from '@pimc/driver';
import { loadModel } from '@pimc/frontend-onnx';
import type { Tensor } from '@pimc/ir';
import { costReport, prepareProgram } from '@pimc/sim';
import { FIXTURES_DIR } from '@pimc/testing';
import { lowerToProgram } from './lower-program.js';
import { chipLike, compareCodes, toSim } from './sim-bridge.testing.js';

/*
 * The invariants on the quantized MNIST fixtures: lowered for a chip whose ADC cannot clip, the
 * simulator's logits equal the executor's bit for bit; with the real ISAAC ADC the difference is
 * measured (and, where no conversion saturated, must be zero) over the 1,000 labelled test images.
 */

const MODELS = ['mnist-lenet', 'mnist-mlp', 'mnist-resnet', 'mnist-dwsep'];

function testSet(name: string, set: number): { input: Tensor; labels: number[] } {
  const dir = join(FIXTURES_DIR, name, `test_data_set_${set}`);
  return {
    input: readTensorFile(join(dir, 'input_0.pb')).tensor,
    labels: readTensorFile(join(dir, 'labels_0.pb')).tensor.toNumbers(),
  };
}

function argmax(data: ArrayLike<number>, row: number, width: number): number {
  let best = 0;
  for (let j = 1; j < width; j++) if (data[row * width + j]! > data[row * width + best]!) best = j;
  return best;
}

describe.each(MODELS)('%s, quantized and compiled for ISAAC', (name) => {
  const model = loadModel(join(FIXTURES_DIR, name, 'model.onnx'));
  const quantized = quantizeModel(model, {
    calibration: readCalibrationFeeds(join(FIXTURES_DIR, 'mnist-calibration'), model),
  }).model;

  it('equals the executor exactly with a 12-bit ADC (250 images)', () => {
    const { input } = testSet(name, 0);
    const expected = runModel(quantized, new Map([['input', input]]))[0]!.tensor;
    const program = lowerToProgram(quantized, chipLike('isaac', 'isaac-adc12', { tiles: { macro: { adc: { bits: 12 } } } }));
    const run = prepareProgram(program).run(new Map([['input', toSim(input)]]));
    expect(compareCodes(expected, run.outputs.get('logits')!).mismatches).toBe(0);
  });

  it('with the real 8-bit ADC: error measured on 1,000 images', () => {
    const program = lowerToProgram(quantized, getPreset('isaac'));
    const sim = prepareProgram(program);
    let [images, mismatched, maxAbs, agree, correct, saturated, conversions] = [0, 0, 0, 0, 0, 0, 0];
    let energyPJ = 0;
    for (const set of [0, 1, 2, 3]) {
      const { input, labels } = testSet(name, set);
      const expected = runModel(quantized, new Map([['input', input]]))[0]!.tensor;
      const run = sim.run(new Map([['input', toSim(input)]]));
      const got = run.outputs.get('logits')!;
      const cmp = compareCodes(expected, got);
      if (run.crossbar.saturated === 0) expect(cmp.mismatches).toBe(0);
      mismatched += cmp.mismatches;
      maxAbs = Math.max(maxAbs, cmp.maxAbs);
      saturated += run.crossbar.saturated;
      conversions += run.events.adcConverts?.[8] ?? 0;
      energyPJ += costReport(program, run).energyPJ.total;
      labels.forEach((label, r) => {
        const top = argmax(got.data, r, 10);
        agree += Number(top === argmax(expected.data as Float32Array, r, 10));
        correct += Number(top === label);
        images++;
      });
    }
    console.log(
      `${name} on isaac (${program.crossbars.length} crossbars): ${images} images, saturated conversions ${saturated} of ${conversions}, ` +
        `logits differing from the executor ${mismatched} (max |Δ| ${maxAbs.toFixed(4)}), top-1 agreement ${(agree / images).toFixed(4)}, ` +
        `accuracy ${(correct / images).toFixed(4)}, ${(energyPJ / images / 1e3).toFixed(1)} nJ per inference`,
    );
    expect(images).toBe(1000);
    expect(agree / images).toBeGreaterThanOrEqual(0.99);
  });
});
