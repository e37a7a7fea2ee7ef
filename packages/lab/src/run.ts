/** The lab runs commands through core's runner (argument arrays, namespaces, typed errors). */
export { type RunOptions, type RunResult, run } from '@splitnet/core';
