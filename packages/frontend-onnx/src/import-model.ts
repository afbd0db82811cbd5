import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { PimcError, withLocation } from '@pimc/support';
import { GraphBuilder, onnxOps, Tensor, Value, type Dim, type Model, type RawAttr } from '@pimc/ir';
import { onnx } from '@pimc/onnx-schema';
import { rawAttrFromProto } from './attributes.js';
import { dtypeFromOnnx } from './dtypes.js';
import { ExternalDataReader } from './external-data.js';
import { MAX_OPSET, MIN_OPSET, type OnnxNode } from './import-rule.js';
import { isDefaultDomain, RuleTable } from './rule-table.js';
import { tensorFromProto } from './tensor-proto.js';

/** protobuf (and so ONNX without external data) cannot describe more than 2 GiB. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

export interface ImportOptions {
  /** Folder external data is read from (the model file's folder when loading a file). */
  readonly baseDir?: string;
  /** Name for messages. */
  readonly source?: string;
}

/** Reads and imports an ONNX model file. */
export function loadModel(path: string): Model {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new PimcError('io', `cannot read model '${path}': ${(e as Error).message}`, { cause: e });
  }
  if (size > MAX_MODEL_BYTES) {
    throw new PimcError(
      'unsupported-model',
      `${path}: ${size} bytes is more than protobuf's 2 GiB limit; store the weights as ONNX external data`,
    );
  }
  return importModel(readFileSync(path), { baseDir: dirname(path), source: path });
}

/** Decodes ModelProto bytes, turning protobufjs' exceptions into a clear error. */
export function decodeModel(bytes: Uint8Array, source = '<bytes>'): onnx.ModelProto {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new PimcError('malformed-protobuf', `${source}: not a valid ONNX model: ${(e as Error).message}`, {
      notes: ['the file may be truncated, or not an ONNX model at all'],
      cause: e,
    });
  }
  if (model.graph === undefined || model.graph === null) {
    throw new PimcError('invalid-model', `${source}: the ONNX model has no graph`, {
      notes: ['a file that is not ONNX can still decode as an empty protobuf message'],
    });
  }
  return model;
}

/** Imports ModelProto bytes into the IR. */
export function importModel(bytes: Uint8Array, options: ImportOptions = {}): Model {
  const source = options.source ?? '<bytes>';
  return withLocation({ file: source }, () => {
    const proto = decodeModel(bytes, source);
    const external = new ExternalDataReader(options.baseDir);
    try {
      return new ModelImporter(proto, source, external).run();
    } finally {
      external.close();
    }
  });
}

class ModelImporter {
  private readonly builder = new GraphBuilder(onnxOps);
  private readonly rules = new RuleTable(onnxOps);
  private readonly values = new Map<string, Value>();
  private readonly opsets: Map<string, number>;
  private readonly graph: onnx.IGraphProto;

  constructor(
    private readonly proto: onnx.ModelProto,
    private readonly source: string,
    private readonly external: ExternalDataReader,
  ) {
    this.graph = proto.graph!;
    this.opsets = readOpsets(proto);
  }

  run(): Model {
    const nodes = this.graph.node ?? [];
    this.checkOpsSupported(nodes);
    this.importInitializers();
    const inputs = this.importInputs();
    for (const [index, node] of sortTopologically(nodes, this.values).entries()) this.importNode(node, index);
    const outputs = (this.graph.output ?? []).map((o) => {
      const v = this.values.get(o.name ?? '');
      if (v === undefined) throw new PimcError('invalid-model', `graph output '${o.name}' is not produced by any node`);
      return v;
    });
    return {
      graph: { name: this.graph.name ?? 'main', inputs, outputs, nodes: this.builder.nodes },
      opsets: this.opsets,
      producer: [this.proto.producerName, this.proto.producerVersion]
        .filter((x) => x !== undefined && x !== null && x !== '')
        .join(' '),
      source: this.source,
    };
  }

  /** Lists every unsupported op in one message, so a user sees the whole gap at once. */
  private checkOpsSupported(nodes: readonly onnx.INodeProto[]): void {
    const missing = new Map<string, string[]>();
    nodes.forEach((n, i) => {
      const opType = n.opType ?? '';
      const domain = n.domain ?? '';
      if (opType === 'Constant' && isDefaultDomain(domain)) return;
      const opset = this.opsets.get(isDefaultDomain(domain) ? '' : domain);
      if (opset !== undefined && this.rules.find(domain, opType, opset) !== undefined) return;
      const key = `${opType} (domain '${domain || 'ai.onnx'}')`;
      const list = missing.get(key) ?? [];
      list.push(n.name !== undefined && n.name !== null && n.name !== '' ? n.name : `#${i}`);
      missing.set(key, list);
    });
    if (missing.size === 0) return;
    const opsetText = [...this.opsets].map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ');
    throw new PimcError('unsupported-op', `${missing.size} unsupported op type${missing.size > 1 ? 's' : ''} in the model`, {
      notes: [
        ...[...missing].map(
          ([op, names]) =>
            `${op}: nodes ${names.slice(0, 8).join(', ')}${names.length > 8 ? `, … (${names.length} in all)` : ''}`,
        ),
        `model opsets: ${opsetText}`,
      ],
    });
  }

  private importInitializers(): void {
    for (const [i, init] of (this.graph.initializer ?? []).entries()) {
      const name = init.name ?? '';
      const tensor = tensorFromProto(init, `initializer #${i}`, this.external);
      this.define(Value.ofConstant(name, tensor));
    }
  }

  /** Graph inputs that no initializer shadows (IR 3 models list every weight as an input too). */
  private importInputs(): Value[] {
    const inputs: Value[] = [];
    for (const info of this.graph.input ?? []) {
      const name = info.name ?? '';
      if (this.values.has(name)) continue;
      const tensorType = info.type?.tensorType;
      if (tensorType === undefined || tensorType === null) {
        throw new PimcError('invalid-model', `graph input '${name}' is not a tensor (sequences and maps are not supported)`);
      }
      const dtype = dtypeFromOnnx(tensorType.elemType ?? 0, `graph input '${name}'`);
      const shape: Dim[] | undefined = tensorType.shape?.dim?.map((d, i) => {
        if (d.dimValue !== undefined && d.dimValue !== null) return Number(d.dimValue);
        return d.dimParam !== undefined && d.dimParam !== null && d.dimParam !== '' ? d.dimParam : `${name}_d${i}`;
      });
      const v = new Value(name, { dtype, shape });
      this.define(v);
      inputs.push(v);
    }
    return inputs;
  }

  private importNode(node: onnx.INodeProto, index: number): void {
    const opType = node.opType ?? '';
    const domain = node.domain ?? '';
    const name = this.builder.uniqueName(
      node.name !== undefined && node.name !== null && node.name !== '' ? node.name : `${opType}_${index}`,
    );
    withLocation({ node: name, opType }, () => {
      const attrs = new Map<string, RawAttr>();
      for (const a of node.attribute ?? []) attrs.set(a.name ?? '', rawAttrFromProto(a, `node '${name}'`, this.external));
      const outputNames = node.output ?? [];
      if (opType === 'Constant' && isDefaultDomain(domain)) {
        this.define(Value.ofConstant(outputNames[0] ?? name, constantNodeValue(attrs)));
        return;
      }
      const inputs = (node.input ?? []).map((n) => {
        if (n === '') return undefined;
        const v = this.values.get(n);
        if (v === undefined) {
          throw new PimcError('invalid-model', `input '${n}' is not defined by any node, initializer or graph input`);
        }
        return v;
      });
      // Trailing omitted inputs are the same as absent ones.
      while (inputs.length > 0 && inputs[inputs.length - 1] === undefined) inputs.pop();
      const opset = this.opsets.get(isDefaultDomain(domain) ? '' : domain)!;
      const rule = this.rules.find(domain, opType, opset)!;
      const onnxNode: OnnxNode = { name, opType, domain, inputs, outputNames, attrs };
      const results = rule.import(onnxNode, {
        builder: this.builder,
        opset,
        constant: (tensor: Tensor, hint: string) => Value.ofConstant(this.builder.uniqueName(`${name}/${hint}`), tensor),
      });
      outputNames.forEach((out, i) => {
        if (out === '') return;
        const v = results[i];
        if (v === undefined) throw new PimcError('internal', `import of ${opType} produced no value for output ${i} '${out}'`);
        this.define(v, out);
      });
    });
  }

  /** Records a value under its ONNX name (which may differ from the IR value's own name). */
  private define(v: Value, onnxName = v.name): void {
    this.values.set(onnxName, v);
  }
}

function readOpsets(proto: onnx.ModelProto): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of proto.opsetImport ?? []) {
    opsets.set(isDefaultDomain(o.domain ?? '') ? '' : (o.domain ?? ''), Number(o.version ?? 0));
  }
  // IR version 3 and older models without opset_import mean opset 1; they predate pimc's range.
  const opset = opsets.get('');
  if (opset === undefined) {
    throw new PimcError('unsupported-model', 'the model declares no opset for the default ONNX domain');
  }
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new PimcError(
      'unsupported-model',
      `default-domain opset ${opset} is outside the range pimc supports (${MIN_OPSET} to ${MAX_OPSET})`,
    );
  }
  return opsets;
}

/** The tensor a `Constant` node holds, whichever of its value attributes it uses. */
function constantNodeValue(attrs: ReadonlyMap<string, RawAttr>): Tensor {
  if (attrs.size !== 1) {
    throw new PimcError(
      'invalid-attribute',
      `Constant needs exactly one value attribute, got ${attrs.size}: ${[...attrs.keys()].join(', ')}`,
    );
  }
  const [key, a] = [...attrs][0]!;
  switch (key) {
    case 'value':
      return a.value as Tensor;
    case 'value_float':
      return Tensor.scalar('float32', a.value as number);
    case 'value_int':
      return Tensor.scalar('int64', a.value as number);
    case 'value_floats':
      return Tensor.from('float32', [(a.value as number[]).length], a.value as number[]);
    case 'value_ints':
      return Tensor.from('int64', [(a.value as number[]).length], a.value as number[]);
    default:
      throw new PimcError(
        'unsupported-attribute',
        `Constant attribute '${key}' is not supported (strings and sparse tensors are not)`,
      );
  }
}

/**
 * Orders nodes so every operand is defined before use. ONNX requires this order, but exporters
 * have been known to break it; a cycle or an operand nobody defines is reported by name.
 */
function sortTopologically(nodes: readonly onnx.INodeProto[], defined: ReadonlyMap<string, Value>): onnx.INodeProto[] {
  const available = new Set(defined.keys());
  const inOrder = nodes.every((n) => {
    const ok = (n.input ?? []).every((i) => i === '' || available.has(i));
    for (const o of n.output ?? []) available.add(o);
    return ok;
  });
  if (inOrder) return [...nodes];
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => (n.output ?? []).forEach((o) => producer.set(o, i)));
  const state = new Uint8Array(nodes.length); // 0 new, 1 visiting, 2 done
  const order: onnx.INodeProto[] = [];
  const visit = (root: number): void => {
    const stack: [number, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [i, next] = top;
      if (next === 0) {
        if (state[i] === 2) {
          stack.pop();
          continue;
        }
        state[i] = 1;
      }
      const ins = nodes[i]!.input ?? [];
      if (next < ins.length) {
        top[1]++;
        const name = ins[next]!;
        if (name === '' || defined.has(name)) continue;
        const p = producer.get(name);
        if (p === undefined) {
          throw new PimcError(
            'invalid-model',
            `node '${nodes[i]!.name ?? `#${i}`}' (${nodes[i]!.opType}) reads '${name}', which nothing defines`,
          );
        }
        if (state[p] === 1) throw new PimcError('invalid-model', `the graph has a cycle through '${name}'`);
        if (state[p] === 0) stack.push([p, 0]);
        continue;
      }
      state[i] = 2;
      order.push(nodes[i]!);
      stack.pop();
    }
  };
  nodes.forEach((_, i) => visit(i));
  return order;
}
