import { shapeKey, type BufferName, type EventCounts } from '@pimc/arch';

/**
 * A mutable event record for one instruction. Counts are added as the simulator goes and frozen
 * into an `EventCounts` (absent fields mean zero) at the end; keyed maps hold only non-zero keys.
 */
export class EventTally {
  private readonly adc = new Map<number, number>();
  private readonly dac = new Map<number, number>();
  private readonly xb = new Map<string, number>();
  private readonly reads = new Map<BufferName, number>();
  private readonly writes = new Map<BufferName, number>();
  private readonly macs = new Map<number, number>();
  private readonly adds = new Map<number, number>();
  private readonly cam = new Map<string, number>();
  private readonly memAdds = new Map<number, number>();
  private shiftAddCount = 0;
  private flitHops = 0;
  private lutReadCount = 0;

  adcConverts(bits: number, n: number): void {
    bump(this.adc, bits, n);
  }
  dacDrives(bits: number, n: number): void {
    bump(this.dac, bits, n);
  }
  xbActivations(rows: number, columns: number, n: number): void {
    bump(this.xb, shapeKey(rows, columns), n);
  }
  bufRead(buffer: BufferName, n: number): void {
    bump(this.reads, buffer, n);
  }
  bufWrite(buffer: BufferName, n: number): void {
    bump(this.writes, buffer, n);
  }
  digitalMacs(bits: number, n: number): void {
    bump(this.macs, bits, n);
  }
  digitalAdds(bits: number, n: number): void {
    bump(this.adds, bits, n);
  }
  shiftAdds(n: number): void {
    this.shiftAddCount += n;
  }
  nocFlitHops(n: number): void {
    this.flitHops += n;
  }
  /** Nearest-distance CAM searches over `entries` keys compared on `bits` bits. */
  camSearches(entries: number, bits: number, n: number): void {
    bump(this.cam, shapeKey(entries, bits), n);
  }
  lutReads(n: number): void {
    this.lutReadCount += n;
  }
  inMemAdds(bits: number, n: number): void {
    bump(this.memAdds, bits, n);
  }

  /** Every count multiplied by `factor` (per-position counts → per-layer counts). */
  scaled(factor: number): EventTally {
    const out = new EventTally();
    const copy = <K>(from: Map<K, number>, to: Map<K, number>) => from.forEach((v, k) => bump(to, k, v * factor));
    copy(this.adc, out.adc);
    copy(this.dac, out.dac);
    copy(this.xb, out.xb);
    copy(this.reads, out.reads);
    copy(this.writes, out.writes);
    copy(this.macs, out.macs);
    copy(this.adds, out.adds);
    copy(this.cam, out.cam);
    copy(this.memAdds, out.memAdds);
    out.shiftAddCount = this.shiftAddCount * factor;
    out.flitHops = this.flitHops * factor;
    out.lutReadCount = this.lutReadCount * factor;
    return out;
  }

  /** Adds another tally into this one. */
  add(other: EventTally): void {
    const copy = <K>(from: Map<K, number>, to: Map<K, number>) => from.forEach((v, k) => bump(to, k, v));
    copy(other.adc, this.adc);
    copy(other.dac, this.dac);
    copy(other.xb, this.xb);
    copy(other.reads, this.reads);
    copy(other.writes, this.writes);
    copy(other.macs, this.macs);
    copy(other.adds, this.adds);
    copy(other.cam, this.cam);
    copy(other.memAdds, this.memAdds);
    this.shiftAddCount += other.shiftAddCount;
    this.flitHops += other.flitHops;
    this.lutReadCount += other.lutReadCount;
  }

  counts(): EventCounts {
    const out: {
      -readonly [K in keyof EventCounts]: EventCounts[K];
    } = {};
    if (this.adc.size > 0) out.adcConverts = record(this.adc);
    if (this.dac.size > 0) out.dacDrives = record(this.dac);
    if (this.xb.size > 0) out.xbActivations = record(this.xb) as EventCounts['xbActivations'];
    if (this.reads.size > 0) out.bufReads = record(this.reads);
    if (this.writes.size > 0) out.bufWrites = record(this.writes);
    if (this.flitHops > 0) out.nocFlitsHop = this.flitHops;
    if (this.macs.size > 0) out.digitalMACs = record(this.macs);
    if (this.adds.size > 0) out.digitalAdds = record(this.adds);
    if (this.shiftAddCount > 0) out.shiftAdds = this.shiftAddCount;
    if (this.cam.size > 0) out.camSearches = record(this.cam) as EventCounts['camSearches'];
    if (this.lutReadCount > 0) out.lutReads = this.lutReadCount;
    if (this.memAdds.size > 0) out.inMemAdds = record(this.memAdds);
    return out;
  }
}

function bump<K>(map: Map<K, number>, key: K, n: number): void {
  if (n === 0) return;
  map.set(key, (map.get(key) ?? 0) + n);
}

/** A map as a plain object with keys in ascending order (stable JSON). */
function record<K extends string | number>(map: Map<K, number>): Record<K, number> {
  const keys = [...map.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, map.get(k)!])) as Record<K, number>;
}
