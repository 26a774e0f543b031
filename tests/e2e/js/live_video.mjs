// Screen sharing through the official @google/genai SDK: a frame sent with
// sendRealtimeInput({ video }), then a typed question, one text turn.
//
//   node live_video.mjs BASE_URL [MODEL]
//
// OPENLIVE_FRAME names the JPEG file to share (required), OPENLIVE_PROMPT the
// question (default "What does my screen say?"), OPENLIVE_MEDIA_RESOLUTION the
// session's mediaResolution (a MediaResolution name; default unset),
// OPENLIVE_TIMEOUT_MS the overall deadline (default 120000). For a self-signed
// https server, point NODE_EXTRA_CA_CERTS at its certificate.
//
// Prints one JSON object on stdout: the reply text, usageMetadata, how the socket
// closed, and the frames the SDK sent (image data replaced by its length).
// Exits 0 when the turn completed and our close was clean; 1 on failure, 2 when
// the server closed the session first, 3 on timeout.

import { readFileSync } from "node:fs";
import { GoogleGenAI, MediaResolution, Modality } from "@google/genai";
import { printAndExit, recordSends } from "./common.mjs";

const baseUrl = process.argv[2] ?? process.env.OPENLIVE_BASE_URL;
const model = process.argv[3] ?? process.env.OPENLIVE_MODEL ?? "gemini-2.0-flash-live-001";
const prompt = process.env.OPENLIVE_PROMPT ?? "What does my screen say?";
const framePath = process.env.OPENLIVE_FRAME;
const resolution = process.env.OPENLIVE_MEDIA_RESOLUTION || undefined;
const timeoutMs = Number(process.env.OPENLIVE_TIMEOUT_MS ?? 120000);
const apiKey = process.env.GEMINI_API_KEY ?? "openlive-e2e-key";

if (!baseUrl || !framePath) {
  console.error("usage: OPENLIVE_FRAME=frame.jpg node live_video.mjs BASE_URL [MODEL]");
  process.exit(64);
}

const summary = { url: null, sent: [], text: "", usageMetadata: null, turnComplete: false, close: null, error: null };
const recorded = { url: null, sent: [] };
recordSends(() => recorded);

let resolveTurn;
let rejectTurn;
const turnDone = new Promise((resolve, reject) => {
  resolveTurn = resolve;
  rejectTurn = reject;
});
let resolveClosed;
const closed = new Promise((resolve) => {
  resolveClosed = resolve;
});

function onMessage(message) {
  const content = message.serverContent;
  for (const part of content?.modelTurn?.parts ?? []) {
    if (typeof part.text === "string" && !part.thought) summary.text += part.text;
  }
  if (message.usageMetadata) summary.usageMetadata = message.usageMetadata;
  if (content?.turnComplete) {
    summary.turnComplete = true;
    resolveTurn();
  }
}

function withoutImageData(frame) {
  const video = frame?.realtimeInput?.video;
  if (video?.data) return { realtimeInput: { video: { ...video, data: video.data.length } } };
  return frame;
}

async function main() {
  const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
  // Greedy: what is tested is that the screen's text reaches the model, not the tiny model's luck.
  const config = { responseModalities: [Modality.TEXT], temperature: 0 };
  if (resolution) config.mediaResolution = MediaResolution[resolution];
  const connecting = ai.live.connect({
    model,
    config,
    callbacks: {
      onmessage: onMessage,
      onerror(event) {
        summary.error ??= `websocket error: ${event?.message ?? event}`;
        rejectTurn(new Error(summary.error));
      },
      onclose(event) {
        summary.close = { code: event.code, reason: String(event.reason ?? ""), wasClean: event.wasClean };
        resolveClosed();
        rejectTurn(new Error(`closed with ${event.code}: ${event.reason}`));
      },
    },
  });
  turnDone.catch(() => {});
  const session = await Promise.race([
    connecting,
    closed.then(() => {
      throw new Error(`closed before setupComplete: ${summary.close.code} ${summary.close.reason}`);
    }),
  ]);
  const data = readFileSync(framePath).toString("base64");
  session.sendRealtimeInput({ video: { data, mimeType: "image/jpeg" } });
  session.sendRealtimeInput({ text: prompt });
  await turnDone;
  session.close();
  await closed;
}

const timer = setTimeout(() => {
  summary.error ??= `timed out after ${timeoutMs} ms`;
  finish(3);
}, timeoutMs);

function finish(exitCode) {
  summary.url = recorded.url;
  summary.sent = recorded.sent.map(withoutImageData);
  printAndExit(summary, exitCode);
}

main().then(
  () => {
    clearTimeout(timer);
    finish(summary.turnComplete && summary.close?.wasClean ? 0 : 1);
  },
  (error) => {
    clearTimeout(timer);
    summary.error ??= String(error?.message ?? error);
    finish(summary.close ? 2 : 1);
  },
);
