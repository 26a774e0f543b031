// Client-to-server with an ephemeral token, as the Live API's ephemeral-token
// guide does it with the official @google/genai SDK, against any base URL.
//
//   node live_token.mjs BASE_URL [MODEL]
//
// 1. With the API key (GEMINI_API_KEY): ai.authTokens.create() mints a one-use
//    token (POST /v1alpha/auth_tokens) whose liveConnectConstraints lock the model
//    and the response modality.
// 2. As a browser would, with only the token: new GoogleGenAI({apiKey: token.name,
//    httpOptions: {apiVersion: "v1alpha"}}) connects (BidiGenerateContentConstrained,
//    token in ?access_token=), sends one text turn and reads the reply.
// 3. Opens a second new session with the same token, which the server must refuse
//    (the token's one use is spent).
//
// BASE_URL may also come from OPENLIVE_BASE_URL, MODEL from OPENLIVE_MODEL. For a
// self-signed https server, point NODE_EXTRA_CA_CERTS at its certificate.
// OPENLIVE_PROMPT overrides the prompt, OPENLIVE_TIMEOUT_MS the overall deadline.
//
// Prints one JSON object on stdout: the mint request and the token, the WebSocket
// URLs the SDK opened, the reply text and events, and how each session ended.
// Exits 0 when the first session got a reply and the second was refused before
// setupComplete; 1 otherwise; 3 on timeout.

import { GoogleGenAI, Modality } from "@google/genai";
import { liveSession, printAndExit, recordSends, runScript } from "./common.mjs";

const baseUrl = process.argv[2] ?? process.env.OPENLIVE_BASE_URL;
const model = process.argv[3] ?? process.env.OPENLIVE_MODEL ?? "gemini-2.0-flash-live-001";
const prompt = process.env.OPENLIVE_PROMPT ?? "Hello, how are you?";
const timeoutMs = Number(process.env.OPENLIVE_TIMEOUT_MS ?? 120000);
const apiKey = process.env.GEMINI_API_KEY ?? "openlive-e2e-key";

if (!baseUrl) {
  console.error("usage: node live_token.mjs BASE_URL [MODEL]  (or set OPENLIVE_BASE_URL)");
  process.exit(64);
}

const summary = {
  baseUrl,
  model,
  mint: null, // {url, method, body} of the auth_tokens request
  token: null, // the AuthToken the SDK returned
  first: null, // the session opened with the token
  second: null, // the second new session with the same token
  error: null,
};

// Record the REST call the SDK makes to mint the token (it uses fetch).
const originalFetch = globalThis.fetch;
globalThis.fetch = async function recordingFetch(input, init) {
  const url = typeof input === "string" ? input : (input?.url ?? String(input));
  if (url.includes("auth_tokens")) {
    let body = init?.body;
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: keep as is
    }
    summary.mint = { url, method: init?.method ?? "GET", body };
  }
  return originalFetch(input, init);
};

// Record what the SDK sends over the WebSocket; the SDK uses this same `ws` module.
let current = null;
recordSends(() => current);

function finish(exitCode) {
  printAndExit(summary, exitCode);
}

// One session with the token: connect, optionally send one turn, close.
async function runSession(ai, withTurn) {
  const record = {
    url: null,
    sent: [],
    setupComplete: null,
    text: "",
    events: [],
    usageMetadata: null,
    turnComplete: false,
    close: null,
    error: null,
  };
  current = record;
  const live = liveSession(record);

  const connecting = ai.live.connect({
    model,
    config: { responseModalities: [Modality.TEXT] },
    callbacks: live.callbacks((message) => {
      if (message.setupComplete) record.events.push("setupComplete");
      const content = message.serverContent;
      for (const part of content?.modelTurn?.parts ?? []) {
        if (typeof part.text === "string" && !part.thought) record.text += part.text;
      }
      if (content?.modelTurn) record.events.push("modelTurn");
      if (content?.generationComplete) record.events.push("generationComplete");
      if (message.usageMetadata) record.usageMetadata = message.usageMetadata;
      if (content?.turnComplete) {
        record.events.push("turnComplete");
        record.turnComplete = true;
        live.end();
      }
    }),
  });

  try {
    const session = await live.connected(connecting);
    record.setupComplete = session.setupComplete ?? null;
    if (withTurn) {
      session.sendClientContent({ turns: prompt });
      await live.done;
    }
    session.close();
    await live.closed;
  } catch (error) {
    record.error ??= String(error?.message ?? error);
  }
  current = null;
  return record;
}

async function main() {
  // Server side: mint the token with the API key.
  const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
  const now = Date.now();
  const token = await ai.authTokens.create({
    config: {
      uses: 1,
      expireTime: new Date(now + 30 * 60 * 1000).toISOString(),
      newSessionExpireTime: new Date(now + 60 * 1000).toISOString(),
      liveConnectConstraints: {
        model,
        config: { responseModalities: [Modality.TEXT], temperature: 0, maxOutputTokens: 40 },
      },
      httpOptions: { apiVersion: "v1alpha" },
    },
  });
  summary.token = token;

  // Client side: only the token.
  const browser = new GoogleGenAI({ apiKey: token.name, httpOptions: { apiVersion: "v1alpha", baseUrl } });
  summary.first = await runSession(browser, true);
  summary.second = await runSession(browser, false);
}

runScript(main, {
  summary,
  timeoutMs,
  finish,
  ok: () => {
    const first = summary.first;
    const second = summary.second;
    return first.turnComplete && first.text.trim() !== "" && first.close?.wasClean && second.setupComplete === null;
  },
  closedFirst: () => false,
});
