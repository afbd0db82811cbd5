import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareTensors, decodeNpy, readTensorFile } from '@pimc/driver';
import { FIXTURES_DIR, MNIST8_DIR, ONNX_NODE_DIR } from '@pimc/testing';
import { main, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './main.js';
import type { Io } from './output.js';

async function pimc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) };
  const code = await main(['node', 'pimc', ...args], io);
  return { code, out, err };
}

const mnist = join(MNIST8_DIR, 'model.onnx');

describe('pimc CLI', () => {
  it('prints help with an example for every command, exit 0', async () => {
    for (const command of ['inspect', 'compile', 'run', 'eval', 'conformance', 'arch', 'disasm', 'report', 'sweep']) {
      const r = await pimc(command, '--help');
      expect(r.code).toBe(EXIT_OK);
      expect(r.out).toMatch(/Examples:\n\s+\$ pimc /);
    }
  });

  it('exits 2 on usage errors', async () => {
    expect((await pimc('frobnicate')).code).toBe(EXIT_USAGE);
    expect((await pimc('run', mnist)).code).toBe(EXIT_USAGE); // -i is required
    expect((await pimc('inspect', mnist, '--batch', 'zero')).code).toBe(EXIT_USAGE);
  });

  it('inspects a model: inputs, ops, parameters, MACs', async () => {
    const r = await pimc('inspect', mnist);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/Input3: float32\[1,1,28,28\]/);
    expect(r.out).toMatch(/parameters: 6\.0 k \(5994\)/);
    expect(r.out).toMatch(/Conv/);
    const json = JSON.parse((await pimc('inspect', mnist, '--json')).out) as { macs: number; parameters: number };
    expect(json.parameters).toBe(8 * 25 + 8 + 16 * 8 * 25 + 16 + 256 * 10 + 10);
    // 28·28·8·25 (conv1) + 14·14·16·200 (conv2) + 256·10 (matmul)
    expect(json.macs).toBe(28 * 28 * 8 * 25 + 14 * 14 * 16 * 8 * 25 + 256 * 10);
    expect((await pimc('inspect', mnist, '--ir')).out).toMatch(/^graph /m);
  });

  it('runs a model and writes outputs in the ONNX test-set layout (.pb and .npy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-cli-'));
    const input = join(MNIST8_DIR, 'test_data_set_0', 'input_0.pb');
    const r = await pimc('run', mnist, '-i', input, '-o', dir);
    expect(r.code).toBe(EXIT_OK);
    const expected = readTensorFile(join(MNIST8_DIR, 'test_data_set_0', 'output_0.pb')).tensor;
    const written = readTensorFile(join(dir, 'output_0.pb')).tensor;
    expect(compareTensors(written, expected).reason).toBeUndefined();
    const actual = written.toNumbers();
    expect((await pimc('run', mnist, '-i', input, '-o', dir, '--npy')).code).toBe(EXIT_OK);
    expect(decodeNpy(readFileSync(join(dir, 'output_0.npy')), 'npy').toNumbers()).toEqual(actual);
  });

  it('exits 1 with the problem on stderr for a bad model or input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-cli-'));
    writeFileSync(join(dir, 'bad.onnx'), new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
    const bad = await pimc('inspect', join(dir, 'bad.onnx'));
    expect(bad.code).toBe(EXIT_FAILURE);
    expect(bad.err).toMatch(/error \[malformed-protobuf\]/);
    const wrongInput = await pimc('run', mnist, '-i', join(ONNX_NODE_DIR, 'test_relu', 'test_data_set_0', 'input_0.pb'));
    expect(wrongInput.code).toBe(EXIT_FAILURE);
    expect(wrongInput.err).toMatch(/input 'Input3' should have shape \[1,1,28,28\]/);
  });

  it('lists, shows and prices chip presets, and names a bad chip file', async () => {
    expect((await pimc('arch', 'list')).out).toMatch(/isaac[\s\S]*raella[\s\S]*rapidnn/);
    const show = await pimc('arch', 'show', 'isaac');
    expect(show.code).toBe(EXIT_OK);
    expect(show.out).toMatch(/128×128/);
    expect((await pimc('arch', 'costs', 'raella')).out).toMatch(/pJ/);
    const unknown = await pimc('arch', 'show', 'isac');
    expect(unknown.code).toBe(EXIT_FAILURE);
    expect(unknown.err).toMatch(/unknown chip preset 'isac'; did you mean 'isaac'/);
    const dir = mkdtempSync(join(tmpdir(), 'pimc-cli-'));
    writeFileSync(join(dir, 'chip.json'), JSON.stringify({ extends: 'isaac', tiles: { macro: { crossbar: { rows: 0 } } } }));
    const bad = await pimc('arch', 'show', join(dir, 'chip.json'));
    expect(bad.code).toBe(EXIT_FAILURE);
    expect(bad.err).toMatch(/error \[invalid-chip\][\s\S]*rows/);
  });

  it('refuses a file that is not a .pimb, naming it', async () => {
    const r = await pimc('disasm', mnist);
    expect(r.code).toBe(EXIT_FAILURE);
    expect(r.err).toMatch(/error \[invalid-binary\]/);
  });

  it('compiles a fixture, runs the binary with a cost table and checks golden outputs bit for bit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-cli-'));
    const pimb = join(dir, 'lenet.pimb');
    const lenet = join(FIXTURES_DIR, 'mnist-lenet');
    const compiled = await pimc(
      'compile',
      join(lenet, 'model.onnx'),
      '--calib',
      join(FIXTURES_DIR, 'mnist-calibration'),
      '-o',
      pimb,
    );
    expect(compiled.code).toBe(EXIT_OK);
    expect(compiled.out).toMatch(/chip isaac: \d+ of 16128 crossbars used/);
    expect(compiled.out).toMatch(/energy per inference [\d.]+ nJ/);
    const input = join(lenet, 'test_data_set_0', 'input_0.pb');
    const first = await pimc('run', pimb, '-i', input, '-o', join(dir, 'golden'), '--stats', join(dir, 'stats.json'));
    expect(first.code).toBe(EXIT_OK);
    expect(first.out).toMatch(/component\s+energy \/ inference/);
    expect(JSON.parse(readFileSync(join(dir, 'stats.json'), 'utf8'))).toHaveProperty('cost.energyPJ.total');
    expect((await pimc('run', pimb, '-i', input, '--expect', join(dir, 'golden'))).code).toBe(EXIT_OK);
    const other = await pimc('run', pimb, '-i', join(lenet, 'test_data_set_1', 'input_0.pb'), '--expect', join(dir, 'golden'));
    expect(other.code).toBe(EXIT_FAILURE);
    expect(other.err).toMatch(/differs from/);
    expect((await pimc('disasm', pimb)).out).toMatch(/crossbar-mvm/);
  });

  it('says which calibration fallback it uses without --calib', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-cli-'));
    const r = await pimc('compile', join(FIXTURES_DIR, 'mnist-mlp', 'model.onnx'), '-o', join(dir, 'mlp.pimb'));
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/no --calib given: FALLBACK to 16 seeded \(seed 0\) uniform random inputs/);
  });

  it('evaluates a compiled model against the float reference on labelled test sets', async () => {
    const r = await pimc(
      'eval',
      join(FIXTURES_DIR, 'mnist-mlp', 'model.onnx'),
      '--data',
      join(FIXTURES_DIR, 'mnist-mlp', 'test_data_set_0'),
      '--calib',
      join(FIXTURES_DIR, 'mnist-calibration'),
      '--json',
    );
    expect(r.code).toBe(EXIT_OK);
    const e = JSON.parse(r.out) as { samples: number; top1Agreement: number; accuracy: { float: number; compiled: number } };
    expect(e.samples).toBe(250);
    expect(e.top1Agreement).toBeGreaterThan(0.99);
    expect(Math.abs(e.accuracy.compiled - e.accuracy.float)).toBeLessThanOrEqual(0.01);
  });

  it('runs conformance folders and ends with the N passed, M failed line', async () => {
    const r = await pimc('conformance', join(ONNX_NODE_DIR, 'test_relu'), MNIST8_DIR);
    expect(r.code).toBe(EXIT_OK);
    expect(r.out.trim().split('\n').pop()).toBe('2 passed, 0 failed');
    const loose = await pimc('conformance', join(ONNX_NODE_DIR, 'test_relu'), '--atol', '0', '--rtol', '0', '-v');
    expect(loose.out).toMatch(/PASS test_relu/);
  });

  it('writes the RAELLA ablation report: HTML with inline SVG, and the same data as JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-report-'));
    const html = join(dir, 'report.html');
    const json = join(dir, 'report.json');
    const r = await pimc(
      'report',
      join(FIXTURES_DIR, 'mnist-lenet', 'model.onnx'),
      '--presets',
      'isaac,raella',
      '--calib',
      join(FIXTURES_DIR, 'mnist-calibration'),
      '--data',
      join(FIXTURES_DIR, 'mnist-lenet', 'test_data_set_0'),
      '-o',
      html,
      '--json',
      json,
    );
    expect(r.code).toBe(EXIT_OK);
    expect(r.out).toMatch(/raella: [\d.]+ nJ per inference \([\d.]+× isaac; ADC [\d.]+×\), top-1 agreement with int8/);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    expect(page).toContain('<svg');
    expect(page).not.toMatch(/<script|src=|https?:\/\/(?!www\.w3\.org)/);
    const data = JSON.parse(readFileSync(json, 'utf8')) as {
      configurations: { name: string; layers: { weightSlicing: number[]; adcShare?: number }[] }[];
      analyses: Record<string, unknown[]>;
    };
    expect(data.configurations.map((c) => c.name)).toEqual(['isaac', 'raella']);
    const raella = data.configurations[1]!;
    expect(raella.layers).toHaveLength(4);
    for (const layer of raella.layers) {
      expect(layer.weightSlicing.reduce((a, b) => a + b, 0)).toBe(8);
      expect(layer.adcShare).toBeGreaterThan(0.3);
      expect(layer.adcShare).toBeLessThan(1);
    }
    expect(data.analyses['raella']).toHaveLength(4);
  });

  it('sweeps RAPIDNN knobs into a table, an HTML report and a Pareto SVG', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pimc-sweep-'));
    const r = await pimc(
      'sweep',
      join(FIXTURES_DIR, 'mnist-lenet', 'model.onnx'),
      '--calib',
      join(FIXTURES_DIR, 'mnist-calibration'),
      '--data',
      join(FIXTURES_DIR, 'mnist-lenet', 'test_data_set_0'),
      '--kw',
      '4,16',
      '--ku',
      '4,16',
      '--cam-bits',
      '8',
      '-o',
      join(dir, 'sweep.html'),
      '--svg',
      join(dir, 'sweep.svg'),
      '--json',
      join(dir, 'sweep.json'),
    );
    expect(r.code).toBe(EXIT_OK);
    expect(r.out.split('\n').filter((l) => /^\s*(4|16)\s+(4|16)\s+8\s+64\s/.test(l))).toHaveLength(2);
    expect(readFileSync(join(dir, 'sweep.svg'), 'utf8')).toMatch(/^<\?xml[^>]*>\s*<svg/);
    const points = (
      JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as {
        points: { kW: number; accuracy: number; energyPjPerInference: number }[];
      }
    ).points;
    expect(points.map((p) => p.kW)).toEqual([4, 16]);
    // More clusters: not less accurate here, and dearer per inference (bigger tables, wider CAM keys).
    expect(points[1]!.accuracy).toBeGreaterThanOrEqual(points[0]!.accuracy);
    expect((await pimc('sweep', 'model.onnx', '--calib', 'c', '--data', 'd', '-a', 'isaac')).code).not.toBe(EXIT_OK);
  });
});
