import type { StreamEncoder } from "../../sse-job.js";
import { toJobBody } from "./bodies.js";

/**
 * The events of a streamed `POST /api/v1/jobs`: one `{"delta": "..."}` per piece of output as the
 * nodes produce it, then `{"result": {...}}` with the same body a non-streamed job answers, then
 * `[DONE]`. A failure after the stream started arrives as one `{"error": {...}}` event instead.
 */
export const apiStreamEncoder: StreamEncoder = {
  opening: () => [],
  delta: (text) => `{"delta":${JSON.stringify(text)}}`,
  closing: (result) => [{ result: toJobBody(result) }],
};
