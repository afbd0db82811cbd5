/**
 * Event counts: what every pass and the simulator emit, and the only input of the cost model
 * besides the chip (algorithms.md §6, cost-model.md §2). Counts are data-dependent where the
 * hardware is (ADC converts under speculation, cells actually changed by a write): emit what
 * happened, never averages.
 *
 * Maps are plain objects so a counts record serializes to JSON as is; keys are bit widths, or a
 * shape `ROWSxCOLS` / `ENTRIESxBITS`. Every field is optional: absent means zero.
 */

/** `"128x128"`: crossbar rows × columns, or CAM entries × key bits. */
export type ShapeKey = `${number}x${number}`;

/** The buffers `bufReads`/`bufWrites` count accesses of, each in its own access width. */
export type BufferName = 'edram' | 'macroInput' | 'macroOutput' | 'tileOutput';

export const BUFFER_NAMES: readonly BufferName[] = ['edram', 'macroInput', 'macroOutput', 'tileOutput'];

export interface EventCounts {
  /** ADC conversions, by ADC resolution in bits (one conversion = one column sample). */
  readonly adcConverts?: Readonly<Record<number, number>>;
  /** Row-drive cycles (one row driven for one crossbar cycle), by DAC resolution in bits. */
  readonly dacDrives?: Readonly<Record<number, number>>;
  /** Crossbar activations (read cycles), by the activated array's `ROWSxCOLS`. */
  readonly xbActivations?: Readonly<Record<ShapeKey, number>>;
  /**
   * Cells programmed, by |Δlevel| (new level − old level). Δ = 0 cells are skipped (free); the
   * per-cell write model prices the others. Ignored under the lumped write model.
   */
  readonly cellWrites?: Readonly<Record<number, number>>;
  /**
   * Crossbar rows programmed, by the largest |Δlevel| in the row: the cells of a row are written
   * in parallel, so these carry the per-cell model's write latency. Ignored under the lumped model.
   */
  readonly rowWrites?: Readonly<Record<number, number>>;
  /** Whole-crossbar writes: the lumped write model's event. Ignored under the per-cell model. */
  readonly crossbarWrites?: number;
  /** Buffer reads, by buffer, in that buffer's access width (eDRAM: `tiles.edramBusBits`; registers: 32 bits). */
  readonly bufReads?: Readonly<Partial<Record<BufferName, number>>>;
  /** Buffer writes, as `bufReads`. */
  readonly bufWrites?: Readonly<Partial<Record<BufferName, number>>>;
  /** Time eDRAM banks are powered, summed over banks, ns (static leakage; ARAS bank gating). */
  readonly edramBankActiveNs?: number;
  /** Flits (of `noc.flitBits`) times router hops. */
  readonly nocFlitsHop?: number;
  /** Nearest-distance CAM searches, by `ENTRIESxKEYBITS` searched. */
  readonly camSearches?: Readonly<Record<ShapeKey, number>>;
  /** Lookup-table entry reads (entries of `tiles.lut.entryBits`). */
  readonly lutReads?: number;
  /** In-memory (NOR-based) additions, by operand bits. */
  readonly inMemAdds?: Readonly<Record<number, number>>;
  /** Digital multiply-accumulates, by operand bits (accumulating at twice that width). */
  readonly digitalMACs?: Readonly<Record<number, number>>;
  /** Digital additions (pooling, residual adds, offsets, requantization), by operand bits. */
  readonly digitalAdds?: Readonly<Record<number, number>>;
  /** Shift-and-add operations (16-bit) combining slice results. */
  readonly shiftAdds?: number;
}

/** The key of a crossbar shape or CAM search in `EventCounts`. */
export function shapeKey(rows: number, columns: number): ShapeKey {
  return `${rows}x${columns}`;
}

/** Whether each counter is a map (keyed by bits or shape) or a single number; exhaustive by type. */
export const EVENT_COUNTERS: { readonly [K in keyof Required<EventCounts>]: 'keyed' | 'scalar' } = {
  adcConverts: 'keyed',
  dacDrives: 'keyed',
  xbActivations: 'keyed',
  cellWrites: 'keyed',
  rowWrites: 'keyed',
  crossbarWrites: 'scalar',
  bufReads: 'keyed',
  bufWrites: 'keyed',
  edramBankActiveNs: 'scalar',
  nocFlitsHop: 'scalar',
  camSearches: 'keyed',
  lutReads: 'scalar',
  inMemAdds: 'keyed',
  digitalMACs: 'keyed',
  digitalAdds: 'keyed',
  shiftAdds: 'scalar',
};

/** The sum of two count records (for totals over layers). */
export function addEventCounts(a: EventCounts, b: EventCounts): EventCounts {
  const out: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(EVENT_COUNTERS) as [keyof EventCounts, 'keyed' | 'scalar'][]) {
    const x = a[name];
    const y = b[name];
    if (x === undefined && y === undefined) continue;
    if (kind === 'scalar') {
      out[name] = ((x as number | undefined) ?? 0) + ((y as number | undefined) ?? 0);
    } else {
      const sum: Record<string, number> = { ...(x as Readonly<Record<string, number>> | undefined) };
      for (const [k, v] of Object.entries((y as Readonly<Record<string, number>> | undefined) ?? {})) sum[k] = (sum[k] ?? 0) + v;
      out[name] = sum;
    }
  }
  return out as EventCounts;
}
