/** The reconcile engine: `plan()` reads and lists steps, `applyPlan()` runs them. */
export * from './apply.js';
export * from './plan.js';
export * from './system.js';
