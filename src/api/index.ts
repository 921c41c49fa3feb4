export { buildServer, type ServerOptions } from './server.js';
export { wire, isoDate, pageQuery, problemSchema, type Wire } from './wire.js';
export type Server = Awaited<ReturnType<typeof import('./server.js').buildServer>>;
