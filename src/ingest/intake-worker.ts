// An intake thread (intake-pool.ts): decodes, parses and validates collection requests, off the
// thread that answers HTTP and processes events.
import { parentPort } from 'node:worker_threads';
import { acceptRequest, type RawRequest } from './accept.js';

parentPort!.on('message', ({ id, request }: { id: number; request: RawRequest }) => {
  acceptRequest(request).then(
    (result) => parentPort!.postMessage({ id, result }),
    (err: Error) => parentPort!.postMessage({ id, error: err.stack ?? String(err) }),
  );
});
