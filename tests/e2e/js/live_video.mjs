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
import { liveSession, printAndExit, recordSends, runScript } from "./common.mjs";

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

const live = liveSession(summary);

function onMessage(message) {
  const content = message.serverContent;
  for (const part of content?.modelTurn?.parts ?? []) {
    if (typeof part.text === "string" && !part.thought) summary.text += part.text;
  }
  if (message.usageMetadata) summary.usageMetadata = message.usageMetadata;
  if (content?.turnComplete) {
    summary.turnComplete = true;
    live.end();
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
    callbacks: live.callbacks(onMessage),
  });
  const session = await live.connected(connecting);
  const data = readFileSync(framePath).toString("base64");
  session.sendRealtimeInput({ video: { data, mimeType: "image/jpeg" } });
  session.sendRealtimeInput({ text: prompt });
  await live.done;
  session.close();
  await live.closed;
}

function finish(exitCode) {
  summary.url = recorded.url;
  summary.sent = recorded.sent.map(withoutImageData);
  printAndExit(summary, exitCode);
}

runScript(main, {
  summary,
  timeoutMs,
  finish,
  ok: () => summary.turnComplete && summary.close?.wasClean,
});
