// Function calling through the official @google/genai SDK, as the Live API
// documentation's JavaScript tool examples do it, against any base URL.
//
//   node live_tools.mjs BASE_URL [MODEL]
//
// Declares turn_on_the_lights and turn_off_the_lights, sends one text turn,
// answers every toolCall with sendToolResponse({functionResponses: [{id, name,
// response: {result: "ok"}}]}) and reads on until the turn that carries the
// model's answer after that response completes.
//
// BASE_URL may also come from OPENLIVE_BASE_URL, MODEL from OPENLIVE_MODEL
// (default gemini-2.0-flash-live-001). For a self-signed https server, point
// NODE_EXTRA_CA_CERTS at its certificate. OPENLIVE_PROMPT overrides the prompt
// (default "Turn on the lights please"), OPENLIVE_TIMEOUT_MS the overall deadline
// (default 120000).
//
// OPENLIVE_BEHAVIOR picks how turn_on_the_lights is declared:
//   "blocking" (default): no behavior, as the documentation's first example; the
//     model waits for the response, and the answer ends the same turn.
//   "non_blocking": behavior: Behavior.NON_BLOCKING, and the response carries
//     scheduling INTERRUPT; the model goes on, and reports the result in a later
//     turn. The script reads until the turn after the one in which the response
//     was sent completes.
// OPENLIVE_SCHEDULING_IN says where that scheduling goes: "response" (default;
// inside the response object, as the documentation's example puts it) or "field"
// (FunctionResponse.scheduling, the SDK's typed field).
//
// Prints one JSON object as the last stdout line: the calls received
// ([{id, name, args}]), the text that arrived after the tool response, every turn
// (text, flags, which turn the calls and the response fell in), the frames the SDK
// sent, and how the socket closed. Exits 0 when the expected turn completed and
// our close was clean; 1 on failure, 2 when the server closed the session first,
// 3 on timeout.

import { Behavior, FunctionResponseScheduling, GoogleGenAI, Modality } from "@google/genai";
import { liveSession, printAndExit, recordSends, runScript } from "./common.mjs";

const baseUrl = process.argv[2] ?? process.env.OPENLIVE_BASE_URL;
const model = process.argv[3] ?? process.env.OPENLIVE_MODEL ?? "gemini-2.0-flash-live-001";
const prompt = process.env.OPENLIVE_PROMPT ?? "Turn on the lights please";
const timeoutMs = Number(process.env.OPENLIVE_TIMEOUT_MS ?? 120000);
const apiKey = process.env.GEMINI_API_KEY ?? "openlive-e2e-key";
const behavior = process.env.OPENLIVE_BEHAVIOR ?? "blocking";
const schedulingIn = process.env.OPENLIVE_SCHEDULING_IN ?? "response";

if (!baseUrl) {
  console.error("usage: node live_tools.mjs BASE_URL [MODEL]  (or set OPENLIVE_BASE_URL)");
  process.exit(64);
}
if (!["blocking", "non_blocking"].includes(behavior)) {
  console.error(`OPENLIVE_BEHAVIOR must be "blocking" or "non_blocking", not ${JSON.stringify(behavior)}`);
  process.exit(64);
}
if (!["response", "field"].includes(schedulingIn)) {
  console.error(`OPENLIVE_SCHEDULING_IN must be "response" or "field", not ${JSON.stringify(schedulingIn)}`);
  process.exit(64);
}
const nonBlocking = behavior === "non_blocking";

const turnOn = nonBlocking
  ? { name: "turn_on_the_lights", behavior: Behavior.NON_BLOCKING }
  : { name: "turn_on_the_lights" };
const turnOff = { name: "turn_off_the_lights" };
const tools = [{ functionDeclarations: [turnOn, turnOff] }];

const summary = {
  baseUrl,
  model,
  behavior,
  schedulingIn: nonBlocking ? schedulingIn : null,
  url: null, // the WebSocket URL the SDK opened
  sent: [], // every frame the SDK sent, parsed
  opened: false,
  setupComplete: null,
  calls: [], // [{id, name, args, turn}] from toolCall messages, in order
  responses: [], // [{id, turn}] for each function response we sent
  text: "", // text that arrived after the (first) tool response was sent
  turns: [], // [{text, events, calls, responses}] one per turnComplete
  events: [], // message kinds, in arrival order
  closeRequested: false,
  close: null, // {code, reason, wasClean}
  error: null,
};

recordSends(() => summary);

function finish(exitCode) {
  // A turn still open when we stop is reported too, marked incomplete.
  if (current.events.length || current.text) summary.turns.push({ ...current, complete: false });
  printAndExit(summary, exitCode);
}

const live = liveSession(summary);

let session = null;
const pendingCalls = []; // toolCalls that arrived before connect() resolved
let responded = false;
// The turnComplete that ends the wait: for a blocking call, the first one after
// the response (the answer is part of the call's turn); for a non-blocking call,
// the end of the turn after the one the response was sent in.
let finalTurn = null;
let current = newTurn();

function newTurn() {
  return { text: "", events: [], calls: [], responses: [] };
}

function answer(calls) {
  const functionResponses = calls.map((call) => {
    const response = { id: call.id, name: call.name, response: { result: "ok" } };
    if (nonBlocking) {
      if (schedulingIn === "field") response.scheduling = FunctionResponseScheduling.INTERRUPT;
      else response.response.scheduling = FunctionResponseScheduling.INTERRUPT;
    }
    return response;
  });
  session.sendToolResponse({ functionResponses });
  const turn = summary.turns.length;
  for (const call of calls) {
    summary.responses.push({ id: call.id, turn });
    current.responses.push(call.id);
  }
  if (!responded) {
    responded = true;
    finalTurn = nonBlocking ? turn + 1 : turn;
  }
}

function onMessage(message) {
  if (message.setupComplete) summary.events.push("setupComplete");
  if (message.toolCall) {
    summary.events.push("toolCall");
    const calls = message.toolCall.functionCalls ?? [];
    for (const call of calls) {
      const turn = summary.turns.length;
      summary.calls.push({ id: call.id ?? null, name: call.name ?? null, args: call.args, turn });
      current.calls.push(call.name ?? null);
    }
    if (calls.length) {
      if (session) answer(calls);
      else pendingCalls.push(...calls);
    }
  }
  if (message.toolCallCancellation) {
    summary.events.push("toolCallCancellation");
    current.events.push("toolCallCancellation");
  }
  const content = message.serverContent;
  if (content) {
    for (const part of content.modelTurn?.parts ?? []) {
      if (typeof part.text === "string" && !part.thought) {
        current.text += part.text;
        if (responded) summary.text += part.text;
      }
    }
    for (const flag of ["modelTurn", "generationComplete", "interrupted", "turnComplete"]) {
      if (content[flag]) {
        summary.events.push(flag);
        current.events.push(flag);
      }
    }
  }
  if (message.goAway) summary.events.push("goAway");
  if (content?.turnComplete) {
    summary.turns.push({ ...current, complete: true });
    current = newTurn();
    if (finalTurn !== null && summary.turns.length > finalTurn) live.end();
    else if (!responded) live.fail(new Error("a turn completed without a toolCall"));
  }
}

async function main() {
  const ai = new GoogleGenAI({ apiKey, httpOptions: { baseUrl } });

  const connecting = ai.live.connect({
    model,
    config: { responseModalities: [Modality.TEXT], tools },
    callbacks: live.callbacks(onMessage),
  });
  session = await live.connected(connecting);
  summary.setupComplete = session.setupComplete ?? null;

  session.sendClientContent({ turns: prompt });
  if (pendingCalls.length) answer(pendingCalls.splice(0));
  await live.done;

  summary.closeRequested = true;
  session.close();
  await live.closed;
}

// session.close() sends a close frame without a status code (1005); a clean
// close is what matters.
runScript(main, {
  summary,
  timeoutMs,
  finish,
  ok: () => summary.close?.wasClean,
  timeoutError: () => `timed out after ${timeoutMs} ms (responded: ${responded}, turns: ${summary.turns.length})`,
});
