/**
 * Request bodies with a size limit. A declared Content-Length over the limit is refused before
 * reading anything; a chunked body is counted as it arrives and refused the moment it passes the
 * limit, so an oversized upload never sits in memory.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http.js';

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;

function tooLarge(max: number): HttpError {
  // Connection: close: the rest of the upload is not read, so the socket cannot be reused.
  return new HttpError(413, `request body larger than ${max} bytes`, { connection: 'close' });
}

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume();
    throw tooLarge(maxBytes);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  return new Promise<Buffer>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.once('error', (err) => reject(new HttpError(400, `cannot read the request body: ${err.message}`)));
  });
}
