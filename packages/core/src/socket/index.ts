/**
 * Sockets bound to a network interface (`SO_BINDTODEVICE`): TCP clients, UDP, TCP servers,
 * http/https agents and an undici dispatcher for `fetch`. None of them ever hands out an unbound
 * socket; see docs/bound-sockets.md.
 */
export { type BoundAgentOptions, createBoundHttpAgent, createBoundHttpsAgent } from './agent.js';
export { type BoundSocketOptions, createBoundSocket, DEFAULT_CONNECT_TIMEOUT } from './connect.js';
export { boundDevice } from './device.js';
export { type BoundDispatcherOptions, createBoundDispatcher } from './dispatcher.js';
export { type BoundServerOptions, createBoundServer } from './server.js';
export { type BoundUdpSocketOptions, createBoundUdpSocket } from './udp.js';
