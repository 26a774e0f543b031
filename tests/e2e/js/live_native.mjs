// The native-audio settings (affective dialog, proactive audio, thinking) through
// the official @google/genai SDK: one spoken utterance, one turn, its parts in order.
//
//   OPENLIVE_CONFIG=NAME OPENLIVE_AUDIO=speech.pcm node live_native.mjs BASE_URL MODEL
//
// OPENLIVE_CONFIG names one of CONFIGS below: the Live API documentation's three
// native-audio examples, written in the SDK's JavaScript spelling and otherwise
// unchanged, and a few more. OPENLIVE_AUDIO is a file of 16-bit mono PCM at 16 kHz,
// sent whole as sendRealtimeInput({ audio }). OPENLIVE_TIMEOUT_MS is the overall
// deadline (default 120000). For a self-signed https server, point
// NODE_EXTRA_CA_CERTS at its certificate.
//
// Prints one JSON object on stdout: the turn's events in arrival order, each model
// part (thought or not, its text, its audio bytes), the input and output
// transcriptions, usageMetadata, how the socket closed, and the frames the SDK sent
// (audio data replaced by its length). Exits 0 when the turn completed and our
// close was clean; 1 on failure, 2 when the server closed the session first, 3 on
// timeout.

import { readFileSync } from "node:fs";
import { GoogleGenAI, Modality } from "@google/genai";
import { liveSession, printAndExit, recordSends, runScript } from "./common.mjs";

const CONFIGS = {
  // The documentation's examples ("Affective dialog", "Proactive audio", and
  // "Native audio output with thinking", which is the thinking model's name with
  // this plain config).
  affective: { responseModalities: [Modality.AUDIO], enableAffectiveDialog: true },
  proactive: { responseModalities: [Modality.AUDIO], proactivity: { proactiveAudio: true } },
  plain: { responseModalities: [Modality.AUDIO] },
  // Beyond the examples: what was heard, and the thoughts.
  "proactive-heard": {
    responseModalities: [Modality.AUDIO],
    proactivity: { proactiveAudio: true },
    inputAudioTranscription: {},
  },
  thoughts: {
    responseModalities: [Modality.AUDIO],
    thinkingConfig: { thinkingBudget: 128, includeThoughts: true },
    outputAudioTranscription: {},
  },
  "no-thinking": { responseModalities: [Modality.AUDIO], thinkingConfig: { thinkingBudget: 0 } },
};

const baseUrl = process.argv[2] ?? process.env.OPENLIVE_BASE_URL;
const model = process.argv[3] ?? process.env.OPENLIVE_MODEL ?? "gemini-2.5-flash-preview-native-audio-dialog";
const configName = process.env.OPENLIVE_CONFIG ?? "plain";
const audioPath = process.env.OPENLIVE_AUDIO;
const timeoutMs = Number(process.env.OPENLIVE_TIMEOUT_MS ?? 120000);
const apiKey = process.env.GEMINI_API_KEY ?? "openlive-e2e-key";

if (!baseUrl || !audioPath || !(configName in CONFIGS)) {
  console.error(
    `usage: OPENLIVE_CONFIG={${Object.keys(CONFIGS).join(",")}} OPENLIVE_AUDIO=speech.pcm ` +
      "node live_native.mjs BASE_URL [MODEL]",
  );
  process.exit(64);
}

const summary = {
  config: configName,
  url: null,
  sent: [],
  events: [], // message kinds in arrival order
  parts: [], // {thought, text, audioBytes} for each modelTurn part, in order
  inputTranscription: "",
  outputTranscription: "",
  usageMetadata: null,
  turnComplete: false,
  close: null,
  error: null,
};
const recorded = { url: null, sent: [] };
recordSends(() => recorded);

const live = liveSession(summary);

function onMessage(message) {
  if (message.setupComplete) summary.events.push("setupComplete");
  const content = message.serverContent;
  if (content?.inputTranscription) {
    summary.events.push("inputTranscription");
    summary.inputTranscription += content.inputTranscription.text ?? "";
  }
  if (content?.outputTranscription) {
    summary.outputTranscription += content.outputTranscription.text ?? "";
  }
  for (const part of content?.modelTurn?.parts ?? []) {
    const audioBytes = part.inlineData?.data ? Buffer.from(part.inlineData.data, "base64").length : 0;
    summary.parts.push({ thought: part.thought === true, text: part.text ?? null, audioBytes });
    summary.events.push(part.thought ? "thought" : audioBytes ? "audio" : "modelTurn");
  }
  if (content?.generationComplete) summary.events.push("generationComplete");
  if (content?.interrupted) summary.events.push("interrupted");
  if (message.usageMetadata) summary.usageMetadata = message.usageMetadata;
  if (content?.turnComplete) {
    summary.events.push("turnComplete");
    summary.turnComplete = true;
    live.end();
  }
}

function withoutAudioData(frame) {
  const audio = frame?.realtimeInput?.audio;
  if (audio?.data) return { realtimeInput: { audio: { ...audio, data: audio.data.length } } };
  return frame;
}

async function main() {
  const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });
  const connecting = ai.live.connect({
    model,
    config: CONFIGS[configName],
    callbacks: live.callbacks(onMessage),
  });
  const session = await live.connected(connecting);
  const data = readFileSync(audioPath).toString("base64");
  session.sendRealtimeInput({ audio: { data, mimeType: "audio/pcm;rate=16000" } });
  await live.done;
  session.close();
  await live.closed;
}

function finish(exitCode) {
  summary.url = recorded.url;
  summary.sent = recorded.sent.map(withoutAudioData);
  printAndExit(summary, exitCode);
}

runScript(main, {
  summary,
  timeoutMs,
  finish,
  ok: () => summary.turnComplete && summary.close?.wasClean,
});
