// What every js/ script does the same way: record the frames the SDK sends, and
// end by printing one JSON summary line.

import { WebSocket } from "ws";

// Record every frame the SDK sends, parsed, into `record()` (its `sent` list;
// its `url` is set from the first frame's socket). `record()` may return null to
// record nothing. The SDK uses this same `ws` module; frames are not changed.
export function recordSends(record) {
  const originalSend = WebSocket.prototype.send;
  WebSocket.prototype.send = function recordingSend(data, ...rest) {
    const target = record();
    if (target) {
      target.url ??= this.url;
      try {
        target.sent.push(JSON.parse(typeof data === "string" ? data : Buffer.from(data).toString("utf8")));
      } catch {
        target.sent.push({ unparsed: String(data) });
      }
    }
    return originalSend.call(this, data, ...rest);
  };
}

// Print `summary` as the last stdout line and exit with `exitCode`, once stdout drains.
export function printAndExit(summary, exitCode) {
  process.stdout.write(JSON.stringify(summary) + "\n");
  process.exitCode = exitCode;
  setTimeout(() => process.exit(exitCode), 50).unref();
}
