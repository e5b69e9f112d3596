/**
 * The raw body of an SDK HTTP response (a stream, bytes or text) as one Buffer: for the
 * middlewares that read a response before (or instead of) the SDK's deserialiser.
 */
export async function collectBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.length);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const chunks: Buffer[] = [];
  for await (const c of body as AsyncIterable<Uint8Array | string>) {
    // Node's HTTP chunks are fresh buffers of their own: viewed, not copied.
    chunks.push(
      typeof c === 'string' ? Buffer.from(c, 'utf8') : Buffer.from(c.buffer, c.byteOffset, c.length),
    );
  }
  return Buffer.concat(chunks);
}
