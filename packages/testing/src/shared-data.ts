import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

/**
 * The shared test material (`../shared` beside the clone): ONNX node tests, light models, mnist-8.
 * Tests read it in place; nothing from it is copied into the repository.
 */
export const SHARED_DIR = resolve(fileURLToPath(new URL('../../../../shared', import.meta.url)));
export const ONNX_NODE_DIR = join(SHARED_DIR, 'onnx-node');
export const LIGHT_MODELS_DIR = join(SHARED_DIR, 'models', 'light');
export const MNIST8_DIR = join(SHARED_DIR, 'models', 'mnist-8');
export const FIXTURES_DIR = resolve(fileURLToPath(new URL('../../../fixtures', import.meta.url)));

/** Fails loudly when the shared folder is missing: a silently skipped suite would be a defect. */
export function requireSharedData(): void {
  if (!existsSync(ONNX_NODE_DIR)) {
    throw new Error(`shared test data not found at ${SHARED_DIR}: clone pimc beside the 'shared' folder`);
  }
}
