/**
 * A Server-Sent Events parser: feed it the response text as it arrives, in pieces of any size, and it
 * calls `onData` with the data of each complete event (several `data:` lines joined by "\n"). Comments,
 * other fields and an unfinished event at the end of the stream are ignored, as the SSE standard says.
 *
 * @param {(data: string) => void} onData
 * @returns {{ push(text: string): void }}
 */
export function createSseParser(onData) {
  let buffer = "";
  /** @type {string[]} */
  let data = [];

  /** @param {string} line */
  function takeLine(line) {
    if (line === "") {
      if (data.length > 0) {
        const payload = data.join("\n");
        data = [];
        onData(payload);
      }
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
  }

  /** The last piece ended in "\r": a "\n" starting the next one belongs to that line break. */
  let afterCr = false;

  return {
    push(text) {
      if (text === "") return;
      buffer += afterCr && text.startsWith("\n") ? text.slice(1) : text;
      afterCr = false;
      for (;;) {
        const i = buffer.search(/[\r\n]/);
        if (i === -1) return;
        const crlf = buffer[i] === "\r" && buffer[i + 1] === "\n";
        if (buffer[i] === "\r" && i === buffer.length - 1) afterCr = true;
        const line = buffer.slice(0, i);
        buffer = buffer.slice(crlf ? i + 2 : i + 1);
        takeLine(line);
      }
    },
  };
}
