import { describe, expect, it } from 'vitest';
import { getPreset, requireMacro, validateChip, type Chip } from '@pimc/arch';
import { quantizeModel, randomUniformFeeds } from '@pimc/driver';
import { runGraph } from '@pimc/executor';
import type { Tensor } from '@pimc/ir';
import type { Program } from '@pimc/isa';
import { prepareProgram } from '@pimc/sim';
import { LIGHT_MODELS, lightModel } from './light-models.testing.js';
import { lowerModel, placeProgram } from './lower-program.js';
import { compareCodes, toSim } from './sim-bridge.testing.js';

/*
 * The ONNX model zoo's light models (seeded random weights), quantized on two random images,
 * compiled for ISAAC with as many tiles as they need, and simulated on a third image (batch 1):
 * every tensor of the program — not just the outputs — must equal the executor's value on the
 * quantized model bit for bit, unless an ADC conversion saturated (then the difference is reported).
 */

/** The float ops a quantized light model may keep: its boundaries, Softmax, LRN and reshapes (docs/lowering.md). */
const FLOAT_OPS = new Set(['QuantizeLinear', 'DequantizeLinear', 'Softmax', 'LRN', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

/** ISAAC with the tiles a program needs (at least the preset's 168). */
function isaacFor(crossbars: number): Chip {
  const isaac = getPreset('isaac');
  const macro = requireMacro(isaac, 'light-model test');
  const perTile = macro.count * macro.crossbar.count;
  const count = Math.max(isaac.tiles.count, Math.ceil(crossbars / perTile));
  return validateChip({ extends: 'isaac', name: `isaac-${count}-tiles`, tiles: { count } });
}

/** The program with every tensor it computes as an output, so each can be compared. */
function everyTensorOut(program: Program): Program {
  return { ...program, outputs: program.tensors.filter((t) => !program.inputs.includes(t.id)).map((t) => t.id) };
}

describe.each(LIGHT_MODELS)('light %s: quantized, compiled for ISAAC, simulated', (name) => {
  it('equals the executor on every tensor where no conversion saturated', { timeout: 300_000 }, () => {
    const model = lightModel(name);
    const calibration = [0, 1].map((seed) => randomUniformFeeds(model, { samples: 1, seed })[0]!);
    const quantized = quantizeModel(model, { calibration, evaluation: [] }).model;
    const float = quantized.graph.nodes.filter((n) => n.outputs[0]!.type.dtype === 'float32' && !FLOAT_OPS.has(n.op));
    expect(float.map((n) => `${n.op} '${n.name}'`)).toEqual([]);

    const lowered = lowerModel(quantized, getPreset('isaac'));
    const chip = isaacFor(lowered.crossbars.length);
    const program = placeProgram(lowered, chip);
    expect(program.crossbars.length).toBeGreaterThan(0);

    const input = randomUniformFeeds(model, { samples: 1, seed: 2 })[0]!;
    const executor = runGraph(quantized.graph, input, { keepIntermediates: true });
    const expected = new Map<string, Tensor>([...executor.values].map(([v, t]) => [v.name, t]));
    const sim = prepareProgram(everyTensorOut(program));
    const start = performance.now();
    const run = sim.run(new Map([...input].map(([k, v]) => [k, toSim(v)])));
    const seconds = (performance.now() - start) / 1000;

    const mismatched: string[] = [];
    for (const [tensor, actual] of run.outputs) {
      const want = expected.get(tensor);
      if (want === undefined) throw new Error(`the executor computed no value '${tensor}'`);
      const cmp = compareCodes(want, actual);
      if (cmp.mismatches > 0) mismatched.push(`${tensor}: ${cmp.mismatches}/${cmp.total} (max |Δ| ${cmp.maxAbs})`);
    }
    const conversions = Object.values(run.events.adcConverts ?? {}).reduce((a, b) => a + b, 0);
    console.log(
      `${name}: ${program.crossbars.length} crossbars on ${chip.tiles.count} tiles, ${program.instructions.length} instructions; ` +
        `simulated in ${seconds.toFixed(1)} s; saturated conversions ${run.crossbar.saturated} of ${conversions}; ` +
        `tensors differing from the executor ${mismatched.length} of ${run.outputs.size}` +
        (mismatched.length > 0 ? `: ${mismatched.slice(0, 3).join(', ')}` : ''),
    );
    if (run.crossbar.saturated === 0) expect(mismatched).toEqual([]);
  });
});
