import { labAvailable } from '../../src/index.js';

/** Checked once per test file; when not ok, the file prints one skip line with the reason. */
export const available = await labAvailable();
export const skipReason = available.ok ? '' : `lab tests skipped: ${available.reason}`;
