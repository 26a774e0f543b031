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

// One Live session's life, as every script follows it: the SDK callbacks, the turn
// (or wait) that `end()` settles or `fail()` fails, and the close recorded into `record.close`.
// An error or a close before `end()` fails the wait with a reason.
export function liveSession(record) {
  let end;
  let fail;
  const done = new Promise((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  done.catch(() => {}); // awaited by the script; never an unhandled rejection
  let markClosed;
  const closed = new Promise((resolve) => {
    markClosed = resolve;
  });
  const callbacks = (onmessage) => ({
    onopen() {
      record.opened = true;
    },
    onmessage,
    onerror(event) {
      record.error ??= `websocket error: ${event?.message ?? event?.error ?? event}`;
      fail(new Error(record.error));
    },
    onclose(event) {
      record.close = { code: event.code, reason: String(event.reason ?? ""), wasClean: event.wasClean };
      markClosed();
      fail(new Error(`closed with ${event.code}: ${event.reason}`));
    },
  });
  // connect() resolves only after setupComplete; a server that refuses the setup
  // closes the socket instead, and the SDK's promise never settles. Race both.
  const connected = (connecting) =>
    Promise.race([
      connecting,
      closed.then(() => {
        throw new Error(`closed before setupComplete: ${record.close.code} ${record.close.reason}`);
      }),
    ]);
  return { callbacks, connected, done, end, fail, closed };
}

// Run `main` under a deadline, then `finish(exitCode)` once: `ok()` decides 0 or 1
// after main; on an error 2 if the server closed first (`closedFirst()`, by default
// whether `summary.close` is set), else 1;
// 3 on timeout (`timeoutError()` says what was reached).
export function runScript(main, { summary, timeoutMs, finish, ok, closedFirst = () => summary.close, timeoutError }) {
  const timer = setTimeout(() => {
    summary.error ??= timeoutError?.() ?? `timed out after ${timeoutMs} ms`;
    finish(3);
  }, timeoutMs);
  main().then(
    () => {
      clearTimeout(timer);
      finish(ok() ? 0 : 1);
    },
    (error) => {
      clearTimeout(timer);
      summary.error ??= String(error?.message ?? error);
      finish(closedFirst?.() ? 2 : 1);
    },
  );
}
