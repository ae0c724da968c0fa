/**
 * Whether this process is shutting down. Readiness answers 503 from the moment it starts, so load balancers stop
 * sending new requests while those in flight finish (main.ts).
 */
export const lifecycle = { draining: false };
