import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePimb, encodePimb } from '@pimc/isa';
import { FIXTURES_DIR } from '@pimc/testing';
import { compileModel } from './compile.js';
import { evaluateCompiled, findTestSets } from './evaluate.js';

const calibrationDir = join(FIXTURES_DIR, 'mnist-calibration');

describe('compileModel on a CAM/lookup chip (RAPIDNN)', () => {
  for (const fixture of ['mnist-lenet', 'mnist-mlp', 'mnist-resnet', 'mnist-dwsep']) {
    it(`${fixture}: clusters, maps onto lookup tables and CAMs, and runs close to float`, () => {
      const dir = join(FIXTURES_DIR, fixture);
      const compiled = compileModel(join(dir, 'model.onnx'), { chip: 'rapidnn', calibrationDir });
      expect(compiled.rapidnn).toBeDefined();
      expect(compiled.quantized).toBeUndefined();
      const ops = new Set(compiled.program.instructions.map((i) => i.op));
      expect(ops.has('lut-mvm')).toBe(true);
      expect(ops.has('cam-encode')).toBe(true);
      expect(ops.has('crossbar-mvm')).toBe(false);
      expect(compiled.program.metadata['pipeline']).toMatch(/rapidnn-cluster.*rapidnn-map$/);
      // The binary round-trips: the simulator only ever sees what .pimb carries.
      expect(encodePimb(decodePimb(encodePimb(compiled.program)))).toEqual(encodePimb(compiled.program));
      const evaluation = evaluateCompiled(compiled, compiled.floatModel, findTestSets([dir]).slice(0, 1));
      expect(evaluation.samples).toBe(250);
      expect(evaluation.top1Agreement).toBeGreaterThanOrEqual(0.97);
      expect(evaluation.energyPerInferencePJ).toBeGreaterThan(0);
    });
  }

  it('the knobs reach the pass and the lowering, and fewer clusters cost accuracy', () => {
    const dir = join(FIXTURES_DIR, 'mnist-lenet');
    const coarse = compileModel(join(dir, 'model.onnx'), {
      chip: 'rapidnn',
      calibrationDir,
      rapidnn: { kW: 4, kU: 4, camBits: 6, activationEntries: 16 },
    });
    expect(coarse.program.metadata['pipeline']).toContain('rapidnn-cluster{kW=4,kU=4}');
    expect(coarse.program.metadata['pipeline']).toContain('rapidnn-map{camBits=6,activationEntries=16}');
    for (const ins of coarse.program.instructions) {
      if (ins.op === 'lut-mvm') {
        expect(ins.kW).toBeLessThanOrEqual(4);
        expect(ins.kU).toBeLessThanOrEqual(4);
        if (ins.activation !== undefined) expect(ins.activation.cam.camBits).toBe(6);
      }
    }
  });
});
