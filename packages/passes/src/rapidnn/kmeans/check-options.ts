import { PimcError } from '@pimc/support';

/** k must be a positive integer. */
export function checkK(k: number, where: string): void {
  if (!Number.isInteger(k) || k < 1) {
    throw new PimcError('invalid-input', `${where}: k = ${k} must be a positive integer`);
  }
}

/** An integer option with a lower bound. */
export function checkCount(v: number, name: string, min: number, where: string): void {
  if (!Number.isInteger(v) || v < min) {
    throw new PimcError('invalid-input', `${where}: ${name} = ${v} must be an integer ≥ ${min}`);
  }
}
