import { PimcError } from '@pimc/support';
import type { OpCatalogue } from '@pimc/ir';
import { importAsIs, type ImportRule } from './import-rule.js';
import { elementwiseRules } from './rules/elementwise.js';
import { nnRules } from './rules/nn.js';
import { quantizationRules } from './rules/quantization.js';
import { shapeRules } from './rules/shape.js';

/** Legacy-opset rules, one list per category file. */
const legacyRules: readonly ImportRule[] = [...elementwiseRules, ...nnRules, ...shapeRules, ...quantizationRules];

/**
 * Finds the import rule for an op at an opset: an explicit legacy rule whose range covers it, else
 * the one-to-one import of an op the IR catalogue knows. Overlapping explicit rules are a bug.
 */
export class RuleTable {
  private readonly byOp = new Map<string, ImportRule[]>();

  constructor(
    private readonly ops: OpCatalogue,
    rules: readonly ImportRule[] = legacyRules,
  ) {
    for (const rule of rules) {
      const key = ruleKey(rule.domain ?? '', rule.opType);
      const list = this.byOp.get(key) ?? [];
      for (const other of list) {
        if (rule.opsets[0] <= other.opsets[1] && other.opsets[0] <= rule.opsets[1]) {
          throw new PimcError(
            'internal',
            `import rules for ${rule.opType} overlap at opsets ${rule.opsets.join('-')} and ${other.opsets.join('-')}`,
          );
        }
      }
      list.push(rule);
      this.byOp.set(key, list);
    }
  }

  find(domain: string, opType: string, opset: number): ImportRule | undefined {
    const explicit = this.byOp.get(ruleKey(domain, opType))?.find((r) => r.opsets[0] <= opset && opset <= r.opsets[1]);
    if (explicit !== undefined) return explicit;
    // pimc's own dialect (category 'pim') is not ONNX: a model cannot name those ops.
    if (isDefaultDomain(domain) && this.ops.has(opType) && this.ops.get(opType)!.category !== 'pim') {
      return { opType, opsets: [opset, opset], import: (node, ctx) => importAsIs(node, ctx) };
    }
    return undefined;
  }

  /** Every (domain, op) with an explicit rule, for the supported-ops listing. */
  explicitRules(): readonly ImportRule[] {
    return [...this.byOp.values()].flat();
  }
}

export function isDefaultDomain(domain: string): boolean {
  return domain === '' || domain === 'ai.onnx';
}

function ruleKey(domain: string, opType: string): string {
  return `${isDefaultDomain(domain) ? '' : domain}::${opType}`;
}
