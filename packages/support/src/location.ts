/**
 * Where a diagnostic points. Every field is optional because errors arise at every stage: a
 * protobuf field in a file, an ONNX node, an IR value, and (after lowering) a crossbar or CAM block.
 */
export interface Location {
  /** File the problem was found in (model, tensor, binary, chip description). */
  readonly file?: string;
  /** ONNX node name (or a generated name when the model left it empty). */
  readonly node?: string;
  /** Operator type of that node, such as `Conv`. */
  readonly opType?: string;
  /** Dotted path inside a structured input, such as `graph.initializer[3].dims`. */
  readonly path?: string;
}

/** Renders a location as `file: node 'x' (Conv): path`, leaving out the parts it does not have. */
export function formatLocation(loc: Location | undefined): string {
  if (loc === undefined) return '';
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.node !== undefined || loc.opType !== undefined) {
    const name = loc.node !== undefined && loc.node !== '' ? `'${loc.node}'` : '<unnamed>';
    parts.push(loc.opType !== undefined ? `node ${name} (${loc.opType})` : `node ${name}`);
  }
  if (loc.path !== undefined) parts.push(loc.path);
  return parts.join(': ');
}
