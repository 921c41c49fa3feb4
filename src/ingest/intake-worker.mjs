// Entry of an intake thread: TypeScript sources run through tsx, as bin/siyu.js runs the server.
import { register } from 'tsx/esm/api';

register();
await import('./intake-worker.ts');
