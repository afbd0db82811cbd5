// `npm run docs`: regenerates the reference pages that are derived from code.
import { writeFileSync } from 'node:fs';
import { supportedOpsMarkdown } from '@pimc/frontend-onnx';

writeFileSync(new URL('../docs/supported-ops.md', import.meta.url), supportedOpsMarkdown());
console.log('wrote docs/supported-ops.md');
