export * from './ip.js';
export * from './policy-routing.js';
