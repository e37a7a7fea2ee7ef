export {
  type CreatedLink,
  createLink,
  deleteLink,
  type ImplementationChoice,
  uapiSocketPath,
} from './implementation.js';
export * from './lifecycle.js';
export type { Implementation, InterfaceRecord } from './state.js';
export * from './status.js';
export { type PeerStatus, parseDump, type WgDump } from './wg.js';
