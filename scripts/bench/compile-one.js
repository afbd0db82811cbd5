// Measures one `compileModel` in a fresh process (time and peak RSS belong to this compile alone).
// Usage: node compile-one.js MODEL [CHIP]. Calibration: the compiler's stated random fallback.
import { compileModel } from '@pimc/driver';

const [path, chip = 'isaac'] = process.argv.slice(2);
const started = performance.now();
const compiled = compileModel(path, { chip });
const ms = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ path, chip, ms, crossbars: compiled.crossbarsUsed, available: compiled.crossbarsAvailable, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`,
);
