// One text turn through the official @google/genai SDK, as the Live API
// documentation's JavaScript text example does it, against any base URL.
//
//   node live_text.mjs BASE_URL [MODEL]
//
// BASE_URL may also come from OPENLIVE_BASE_URL, MODEL from OPENLIVE_MODEL
// (default gemini-2.0-flash-live-001). For a self-signed https server, point
// NODE_EXTRA_CA_CERTS at its certificate. OPENLIVE_PROMPT overrides the prompt,
// OPENLIVE_TIMEOUT_MS the overall deadline (default 120000), OPENLIVE_TURNS_FORM
// how the turn is passed ("string" or "object"), OPENLIVE_API_VERSION the
// client's apiVersion (default: the SDK's own).
//
// Prints one JSON object on stdout: the reply text, which serverContent flags
// arrived and in what order, usageMetadata, how the socket closed, and the
// frames the SDK sent (recorded by wrapping ws's send, without changing them).
// Exits 0 when a turn completed and our close was clean; 1 on failure, 2 when
// the server closed the session first, 3 on timeout.

import { GoogleGenAI, Modality } from "@google/genai";
import { liveSession, printAndExit, recordSends, runScript } from "./common.mjs";

const baseUrl = process.argv[2] ?? process.env.OPENLIVE_BASE_URL;
const model = process.argv[3] ?? process.env.OPENLIVE_MODEL ?? "gemini-2.0-flash-live-001";
const prompt = process.env.OPENLIVE_PROMPT ?? "Hello, how are you?";
const timeoutMs = Number(process.env.OPENLIVE_TIMEOUT_MS ?? 120000);
const apiKey = process.env.GEMINI_API_KEY ?? "openlive-e2e-key";
// How the turn is given to sendClientContent: "string" (the documentation's
// short form) or "object" (an explicit Content list).
const turnsForm = process.env.OPENLIVE_TURNS_FORM ?? "string";
// Unset means the SDK's default (v1beta).
const apiVersion = process.env.OPENLIVE_API_VERSION || undefined;

if (!baseUrl) {
  console.error("usage: node live_text.mjs BASE_URL [MODEL]  (or set OPENLIVE_BASE_URL)");
  process.exit(64);
}

const summary = {
  baseUrl,
  model,
  turnsForm,
  url: null, // the WebSocket URL the SDK opened
  sent: [], // every frame the SDK sent, parsed
  opened: false,
  setupComplete: null,
  text: "",
  events: [], // serverContent flags and other message kinds, in arrival order
  generationComplete: false,
  turnComplete: false,
  usageMetadata: null,
  closeRequested: false, // whether we closed the session ourselves
  close: null, // {code, reason, wasClean}
  error: null,
};

recordSends(() => summary);

function finish(exitCode) {
  printAndExit(summary, exitCode);
}

const live = liveSession(summary);

function onMessage(message) {
  if (message.setupComplete) {
    summary.events.push("setupComplete");
  }
  const content = message.serverContent;
  if (content) {
    for (const part of content.modelTurn?.parts ?? []) {
      if (typeof part.text === "string" && !part.thought) {
        summary.text += part.text;
      }
    }
    if (content.modelTurn) summary.events.push("modelTurn");
    if (content.generationComplete) {
      summary.generationComplete = true;
      summary.events.push("generationComplete");
    }
    if (content.interrupted) summary.events.push("interrupted");
    if (content.turnComplete) {
      summary.events.push("turnComplete");
    }
  }
  if (message.usageMetadata) {
    summary.usageMetadata = message.usageMetadata;
  }
  if (message.goAway) summary.events.push("goAway");
  if (content?.turnComplete) {
    summary.turnComplete = true;
    live.end();
  }
}

async function main() {
  const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl, apiVersion } });

  const connecting = ai.live.connect({
    model,
    config: { responseModalities: [Modality.TEXT] },
    callbacks: live.callbacks(onMessage),
  });
  const session = await live.connected(connecting);
  summary.setupComplete = session.setupComplete ?? null;

  if (turnsForm === "object") {
    session.sendClientContent({ turns: [{ role: "user", parts: [{ text: prompt }] }], turnComplete: true });
  } else {
    session.sendClientContent({ turns: prompt });
  }
  await live.done;

  summary.closeRequested = true;
  session.close();
  await live.closed;
}

// session.close() sends a close frame without a status code, so the close
// event reports 1005 (no status received); a clean close is what matters.
runScript(main, {
  summary,
  timeoutMs,
  finish,
  ok: () => summary.turnComplete && summary.close?.wasClean,
});
