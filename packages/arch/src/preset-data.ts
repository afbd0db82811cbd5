/**
 * The built-in chip presets, written in the same JSON format users write (a preset may `extends`
 * another and override fields). Every hardware value carries a source; a test checks that none is
 * missing. Validated versions come from `getPreset` in `presets.ts`.
 */
export interface PresetDefinition {
  readonly name: string;
  /** One line for `pimc arch list`. */
  readonly summary: string;
  /** The description as JSON data. */
  readonly json: Readonly<Record<string, unknown>>;
}

const WRITE_SOURCE = '[RAELLA artifact] set/reset pulse 2 V, 40 ns (CiMLoop and RAELLA cell YAML, citing PRIME)';

const isaac: PresetDefinition = {
  name: 'isaac',
  summary: 'ISAAC-like baseline (default): 168 tiles × 12 IMAs × 8 crossbars, 128×128 2-bit cells, 1-bit DAC, 8-bit ADC',
  json: {
    name: 'isaac',
    description: 'ISAAC-like baseline (Shafiee et al., ISCA 2016), 32 nm: unsigned (biased) weights, 1-bit input slices',
    technologyNm: 32,
    clockGhz: 1.2,
    tiles: {
      count: 168,
      edramBytes: 64 * 1024,
      edramBusBits: 256,
      outputRegisterBytes: 3 * 1024,
      macro: {
        count: 12,
        inputRegisterBytes: 2 * 1024,
        outputRegisterBytes: 256,
        dac: { bits: 1, kind: 'level' },
        adc: { bits: 8, signed: false, count: 8, per: 'macro', sampleRateGsps: 1.28 },
        crossbar: { count: 8, rows: 128, columns: 128, bitsPerCell: 2, cell: 'single-ended', cycleNs: 100 },
      },
    },
    noc: { flitBits: 32, hopLatencyCycles: 1, tilesPerRouter: 4, routerPorts: 8, offChipLinks: 4 },
    write: {
      model: 'per-cell',
      pulseVoltageV: 2,
      pulseNs: 40,
      pulseEnergyPJ: 10,
      verifyNs: 10,
      verifyEnergyPJ: 1,
      iterationsPerLevel: 1,
      parallelCrossbars: 2,
    },
    cost: { adcModel: 'walden', adcFloorPJ: 0.4, overrides: {} },
    sources: {
      technologyNm: '[ISAAC] 32 nm',
      clockGhz: '[ISAAC] 1.2 GHz digital clock',
      'tiles.count': '[ISAAC] 168 tiles per chip',
      'tiles.edramBytes': '[ISAAC] 64 KB eDRAM per tile; [RAELLA artifact] isaac_like: 2048 × 256 b',
      'tiles.edramBusBits': '[ISAAC] 256-bit bus; [RAELLA artifact] isaac_like: 256-bit eDRAM width',
      'tiles.outputRegisterBytes': '[ISAAC] 3 KB tile output register',
      'tiles.macro.count': '[ISAAC] 12 IMAs per tile',
      'tiles.macro.inputRegisterBytes': '[ISAAC] 2 KB input register per IMA',
      'tiles.macro.outputRegisterBytes': '[ISAAC] 256 B output register per IMA',
      'tiles.macro.dac.bits': '[ISAAC] 1-bit DACs (1-bit input slices)',
      'tiles.macro.dac.kind': '[ISAAC] voltage DAC (1-bit: a row driver)',
      'tiles.macro.adc.bits': '[ISAAC] 8-bit ADC',
      'tiles.macro.adc.signed': '[ISAAC] unsigned (biased weight encoding)',
      'tiles.macro.adc.count': '[ISAAC] 8 ADCs per IMA',
      'tiles.macro.adc.per': '[ISAAC] 8 ADCs per IMA (one per crossbar)',
      'tiles.macro.adc.sampleRateGsps': '[ISAAC] 1.28 GS/s',
      'tiles.macro.crossbar.count': '[ISAAC] 8 crossbars per IMA',
      'tiles.macro.crossbar.rows': '[ISAAC] 128×128 crossbars',
      'tiles.macro.crossbar.columns': '[ISAAC] 128×128 crossbars',
      'tiles.macro.crossbar.bitsPerCell': '[ISAAC] 2 bits per cell',
      'tiles.macro.crossbar.cell': '[ISAAC] 1T1R, unsigned',
      'tiles.macro.crossbar.cycleNs': '[ISAAC] 100 ns crossbar cycle; [PUMA sim] 100 ns per read-out',
      'noc.flitBits': '[ISAAC] router flit size 32',
      'noc.hopLatencyCycles': '[ours] 1 cycle per hop',
      'noc.tilesPerRouter': '[ISAAC] one router shared by 4 tiles',
      'noc.routerPorts': '[ISAAC] 8 ports',
      'noc.offChipLinks': '[ISAAC] 4 HyperTransport links (6.4 GB/s each)',
      'write.model': '[ours] per-cell program-verify, unchanged cells skipped',
      'write.pulseVoltageV': WRITE_SOURCE,
      'write.pulseNs': WRITE_SOURCE,
      'write.pulseEnergyPJ': '[ours] ≈ 100 µA × 2 V × 50 ns',
      'write.verifyNs': '[ours] 10 ns verify read',
      'write.verifyEnergyPJ': '[ours] 1 pJ verify read',
      'write.iterationsPerLevel': '[ours] 1 extra iteration per extra level of change',
      'write.parallelCrossbars': '[ours] 2 crossbars at once (power-limited)',
      'cost.adcModel': '[ours] constant Walden figure of merit anchored at the ISAAC 8-bit ADC',
      'cost.adcFloorPJ': '[ours] flatter alternative for low-resolution ADCs (a 6-bit SAR costs ≈ 3× the Walden value)',
    },
  },
};

const raella: PresetDefinition = {
  name: 'raella',
  summary: 'RAELLA (ISCA 2023): 512×512 2T2R, 4 bits/cell, 4-bit pulse-train DAC, 7-bit signed ADC, Center+Offset, speculation',
  json: {
    extends: 'isaac',
    name: 'raella',
    description: 'RAELLA (Andrulis et al., ISCA 2023) as in its public artifact: 4 bits per cell, speculation [4, 2, 2]',
    clockGhz: 1,
    tiles: {
      count: 32,
      macro: {
        count: 8,
        inputRegisterBytes: 2 * 1024,
        outputRegisterBytes: 4 * 768,
        dac: { bits: 4, kind: 'pulse-train' },
        adc: { bits: 7, signed: true, count: 4, per: 'crossbar', sampleRateGsps: 1.28 },
        crossbar: { count: 4, rows: 512, columns: 512, bitsPerCell: 4, cell: 'differential-2t2r', cycleNs: 100 },
        centerOffset: { centerBits: 8, inputSumBits: 16 },
        speculation: { sliceBits: [4, 2, 2], cycleFactor: 11 / 8, adcShare: 0.42, cellEnergyFactor: 2.5 },
        weightSlicing: 'adaptive',
      },
    },
    noc: { flitBits: 256 },
    sources: {
      technologyNm: '[RAELLA artifact] 32 nm',
      clockGhz: '[RAELLA artifact] 1 ns digital cycle',
      'tiles.count': '[RAELLA artifact] TILES_PER_ARCH 32 (artifact default)',
      'tiles.edramBytes': '[RAELLA artifact] 64 kB eDRAM per tile (2048 × 256 b)',
      'tiles.edramBusBits': '[RAELLA artifact] 2048 × 256 b eDRAM',
      'tiles.outputRegisterBytes': '[ours] kept from isaac (RAELLA tile output register not modelled separately)',
      'tiles.macro.count': '[RAELLA artifact] 8 macros per tile',
      'tiles.macro.inputRegisterBytes': '[CiMLoop] 2 kB input buffer per macro',
      'tiles.macro.outputRegisterBytes': '[RAELLA artifact] 256 entries × (16 b psum + 8 b flags) = 768 B per array, 4 arrays',
      'tiles.macro.dac.bits': '[CiMLoop] 4-bit pulse-train DAC',
      'tiles.macro.dac.kind': '[CiMLoop] temporal pulse train (AND gate + row driver)',
      'tiles.macro.adc.bits': '[RAELLA artifact] 7-bit ADC',
      'tiles.macro.adc.signed': '[RAELLA artifact] signed ADC',
      'tiles.macro.adc.count': '[RAELLA artifact] 4 ADCs per bank (array)',
      'tiles.macro.adc.per': '[RAELLA artifact] 4 ADCs per bank (array)',
      'tiles.macro.adc.sampleRateGsps': '[ours] 512 columns / 4 ADCs read out in one 100 ns cycle = 1.28 GS/s',
      'tiles.macro.crossbar.count': '[RAELLA artifact] 4 arrays per macro',
      'tiles.macro.crossbar.rows': '[RAELLA artifact] 512×512 arrays',
      'tiles.macro.crossbar.columns': '[RAELLA artifact] 512×512 arrays (a 2T2R pair is one CiM unit)',
      'tiles.macro.crossbar.bitsPerCell': '[RAELLA artifact] BITS_PER_CELL 4 (the CiMLoop re-model uses 3)',
      'tiles.macro.crossbar.cell': '[RAELLA artifact] 2T2R differential pair',
      'tiles.macro.crossbar.cycleNs': '[RAELLA artifact] CROSSBAR_LATENCY_PRE_SPECULATION = 100 × 1 ns',
      'tiles.macro.centerOffset.centerBits': '[ours] 8-bit centers (algorithms.md A-R3; the CiMLoop model budgets 4-bit entries)',
      'tiles.macro.centerOffset.inputSumBits': '[CiMLoop] 16-bit running input-sum adder',
      'tiles.macro.speculation.sliceBits': '[ours] [4, 2, 2] MSB first (algorithms.md A-R5; gives the artifact’s 11 cycles)',
      'tiles.macro.speculation.cycleFactor': '[RAELLA artifact] crossbar latency × 11/8 with speculation',
      'tiles.macro.speculation.adcShare': '[RAELLA artifact] ADC_ACTION_SHARE 0.42 (recorded statistics)',
      'tiles.macro.speculation.cellEnergyFactor': '[CiMLoop] speculation scales cell energy by ≈ 2.5',
      'tiles.macro.weightSlicing': '[RAELLA artifact] adaptive weight slicing per layer ("most layers 4b-2b-2b")',
      'noc.flitBits': '[RAELLA artifact] 256-bit router width',
      'noc.tilesPerRouter': '[ours] kept from isaac',
      'noc.routerPorts': '[ours] kept from isaac',
      'noc.offChipLinks': '[ours] kept from isaac',
    },
  },
};

const raellaNoSpec: PresetDefinition = {
  name: 'raella-no-spec',
  summary: 'RAELLA ablation raella_no_speculation: raella without speculation, 8 × 1-bit input slices, adaptive weight slicing',
  json: {
    extends: 'raella',
    name: 'raella-no-spec',
    description: 'RAELLA ablation `raella_no_speculation`: Center+Offset and adaptive weight slices, 1-bit input slices',
    tiles: { macro: { dac: { bits: 1 }, speculation: null } },
    sources: {
      'tiles.macro.dac.bits': '[RAELLA artifact] ablation raella_no_speculation: 8 × 1-bit input slices',
    },
  },
};

const raellaNoSpec2b: PresetDefinition = {
  name: 'raella-no-spec-2b',
  summary: 'RAELLA ablation raella_no_speculation_2b_cells: raella-no-spec with 2-bit cells (4 × 2-bit weight slices)',
  json: {
    extends: 'raella-no-spec',
    name: 'raella-no-spec-2b',
    description: 'RAELLA ablation `raella_no_speculation_2b_cells`: Center+Offset, 4 × 2-bit weight slices, 1-bit input slices',
    tiles: { macro: { crossbar: { bitsPerCell: 2 }, weightSlicing: 'fixed' } },
    sources: {
      'tiles.macro.crossbar.bitsPerCell': '[RAELLA artifact] ablation raella_no_speculation_2b_cells: 4 × 2-bit weight slices',
      'tiles.macro.weightSlicing': '[RAELLA artifact] ablation raella_no_speculation_2b_cells: fixed 4 × 2-bit slices',
    },
  },
};

const rapidnn: PresetDefinition = {
  name: 'rapidnn',
  summary: 'RAPIDNN: CAM + lookup-table blocks (1024 RNA blocks), no ADC/DAC; block costs are placeholders',
  json: {
    extends: 'isaac',
    name: 'rapidnn',
    description: 'RAPIDNN RNA blocks (Imani et al.): product tables in crossbar memory, in-memory adders, nearest-distance CAMs',
    tiles: {
      count: 128,
      macro: null,
      cam: { count: 8, entries: 64, keyBits: 16, valueBits: 6 },
      lut: { count: 8, entries: 64 * 64, entryBits: 16, bitsPerCell: 1 },
    },
    sources: {
      'tiles.count': '[ours, placeholder] 128 tiles × 8 RNA blocks = N_RNA 1024 (algorithms.md §2.3)',
      'tiles.cam.count': '[ours, placeholder] one activation CAM per RNA block',
      'tiles.cam.entries': '[ours] T = 64 activation samples (algorithms.md A-P4)',
      'tiles.cam.keyBits': '[ours] 16-bit fixed-point keys (algorithms.md §2.3)',
      'tiles.cam.valueBits': '[ours] log2 kU = 6-bit next-layer cluster index',
      'tiles.lut.count': '[ours, placeholder] one product table per RNA block',
      'tiles.lut.entries': '[ours] kW × kU = 64 × 64 (algorithms.md A-P1)',
      'tiles.lut.entryBits': '[ours] lutBits = 16 (algorithms.md §2.2)',
      'tiles.lut.bitsPerCell': '[recalled] RAPIDNN uses single-level NVM cells and no ADC or DAC',
    },
  },
};

const isaacPumaWrite: PresetDefinition = {
  name: 'isaac-puma-write',
  summary: 'isaac with PUMA’s lumped crossbar-write cost instead of per-cell program-verify (for write-cost sensitivity)',
  json: {
    extends: 'isaac',
    name: 'isaac-puma-write',
    description: 'ISAAC-like baseline with the PUMA simulator’s lumped write cost (≈ 22.6 nJ, 10.97 µs per crossbar)',
    write: { model: 'lumped' },
    sources: {
      'write.model': '[PUMA sim] lumped write cost per crossbar (cost-model.md §7: report write results under both models)',
    },
  },
};

/** Built-in presets, the default first. */
export const PRESET_DEFINITIONS: readonly PresetDefinition[] = [
  isaac,
  raella,
  raellaNoSpec,
  raellaNoSpec2b,
  rapidnn,
  isaacPumaWrite,
];

/** The preset used when a command is given no chip. */
export const DEFAULT_PRESET = 'isaac';
