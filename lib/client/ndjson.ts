/** The non-blank lines of an NDJSON body as they arrive (a line split across chunks is joined). */
export async function* ndjsonLines(body: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of body) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) yield line;
  }
  buffered += decoder.decode();
  if (buffered.trim()) yield buffered;
}
