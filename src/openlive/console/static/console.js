// The openlive console: a Live API session from the browser, through the official
// @google/genai SDK (bundled in genai.js), with an ephemeral token from this server
// (the page never sees an API key).
//
// `window.openliveConsole.state` holds what the page shows, for people reading the
// code and for the browser tests.

import { GoogleGenAI, Modality, Type } from "/console/genai.js";
import { Microphone, Player, base64ToBytes, bytesToBase64, deviceError, INPUT_RATE } from "/console/audio.js";

const $ = (id) => document.getElementById(id);
const FRAME_INTERVAL_MS = 1000; // video frames at about 1 per second, as the Live API suggests
const FRAME_MAX_WIDTH = 1024;
// Loudness above which the page counts the microphone as hearing speech; the end of
// the user's turn, for the latency shown, is the last chunk above it.
const SPEECH_LEVEL = 0.02;

const state = {
  status: "idle", // idle | connecting | open | closed | error
  close: null, // {code, reason} of the last session
  alert: "",
  info: null, // what GET /console/info said
  micOn: false,
  pttHeld: false,
  micError: "",
  videoSource: null, // "camera" | "screen" | null
  videoError: "",
  framesSent: 0,
  audioChunksIn: 0,
  audioSamplesPlayed: 0,
  audioSamplesQueued: 0,
  audioSamplesReceived: 0,
  flushes: [], // the last few playback flushes on `interrupted`: {received, playedBefore, report}
  audioChunksSent: 0,
  interruptions: 0,
  toolCalls: [], // {name, args, result}
  turns: [], // {user, model, latencyMs, interrupted, complete}
  latencies: [],
};

let session = null;
let password = "";
let mic = null;
let player = null;
let video = null;
let turn = null; // the turn being built
let lastSpeechAt = 0; // performance.now() of the last loud microphone chunk
let userEndAt = 0; // when the user's latest input ended (speech or text)
let awaitingReply = false; // the user spoke or typed after the model's last output

// ---- page furniture ---------------------------------------------------------------

function setStatus(status, text) {
  state.status = status;
  $("status").dataset.state = status;
  $("status").textContent = text;
}

function showAlert(text) {
  state.alert = text;
  $("alert").textContent = text;
  $("alert").hidden = !text;
}

function logEntry(kind, who, text) {
  const item = document.createElement("li");
  item.className = kind;
  if (who) {
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = who;
    item.append(label);
  }
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  item.append(body);
  $("log").append(item);
  item.scrollIntoView({ block: "nearest" });
  return body;
}

function setConnected(connected) {
  $("session-fields").disabled = connected;
  $("connect").disabled = connected;
  $("disconnect").disabled = !connected;
  for (const id of ["mic", "ptt", "camera", "screen", "text", "send"]) $(id).disabled = !connected;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function radio(name) {
  return document.querySelector(`input[name="${name}"]:checked`).value;
}

// ---- what the server offers -------------------------------------------------------

function consoleHeaders() {
  // A header holds Latin-1 only: the password travels percent-encoded.
  return password ? { "X-Openlive-Console-Password": encodeURIComponent(password) } : {};
}

async function consoleCall(path, method = "GET") {
  const response = await fetch(path, { method, headers: consoleHeaders(), cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (response.ok) return body;
  if (response.status === 401) {
    $("password-row").hidden = false;
    $("password").focus();
  }
  const error = new Error(body?.error?.message ?? `HTTP ${response.status}`);
  error.status = response.status;
  throw error;
}

function fillSelect(select, values, preferred) {
  select.replaceChildren(
    ...values.map((value) => {
      const option = document.createElement("option");
      option.value = option.textContent = value;
      return option;
    }),
  );
  if (values.includes(preferred)) select.value = preferred;
}

async function loadInfo() {
  try {
    const info = await consoleCall("/console/info");
    state.info = info;
    fillSelect($("model"), info.models, info.models[0]);
    fillSelect($("voice"), info.voices, "Puck");
    fillSelect($("language"), info.languages, "en-US");
    if (!info.speech) {
      document.querySelector('input[name="modality"][value="TEXT"]').checked = true;
      document.querySelector('input[name="modality"][value="AUDIO"]').disabled = true;
      for (const id of ["voice", "language"]) $(id).disabled = true;
      for (const input of document.querySelectorAll('input[name="micmode"]')) input.disabled = true;
    }
    showAlert("");
    return true;
  } catch (error) {
    if (error.status === 401) {
      showAlert(password ? "That console password is wrong." : "Enter the console password, then press Connect.");
    } else {
      showAlert(error.message);
    }
    return false;
  }
}

// ---- the session ------------------------------------------------------------------

function tools() {
  const declarations = [];
  if ($("tool-time").checked) {
    declarations.push({
      name: "get_current_time",
      description: "The current date and time where the user is.",
    });
  }
  if ($("tool-weather").checked) {
    declarations.push({
      name: "get_weather",
      description: "The weather in a city (this demo makes it up).",
      parameters: {
        type: Type.OBJECT,
        properties: { city: { type: Type.STRING, description: "The city" } },
        required: ["city"],
      },
    });
  }
  const list = declarations.length ? [{ functionDeclarations: declarations }] : [];
  if ($("tool-code").checked) list.push({ codeExecution: {} });
  if ($("tool-search").checked) list.push({ googleSearch: {} });
  return list;
}

function answerTool(call) {
  if (call.name === "get_current_time") {
    const now = new Date();
    return {
      time: now.toLocaleTimeString(),
      date: now.toLocaleDateString(),
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    };
  }
  if (call.name === "get_weather") {
    const city = String(call.args?.city ?? "somewhere");
    const temperature = 12 + ([...city].reduce((sum, c) => sum + c.charCodeAt(0), 0) % 15);
    return { city, forecast: "partly cloudy", temperatureCelsius: temperature, note: "made up by the demo" };
  }
  return { error: `this page has no function called ${call.name}` };
}

function liveConfig() {
  const audio = radio("modality") === "AUDIO";
  const ptt = radio("micmode") === "ptt";
  const config = {
    responseModalities: [audio ? Modality.AUDIO : Modality.TEXT],
    inputAudioTranscription: {},
    tools: tools(),
  };
  if (audio) {
    config.outputAudioTranscription = {};
    config.speechConfig = {
      voiceConfig: { prebuiltVoiceConfig: { voiceName: $("voice").value } },
      languageCode: $("language").value,
    };
  }
  const system = $("system").value.trim();
  if (system) config.systemInstruction = system;
  const detection = {};
  if (ptt) detection.disabled = true;
  if ($("start-sensitivity").value) detection.startOfSpeechSensitivity = $("start-sensitivity").value;
  if ($("end-sensitivity").value) detection.endOfSpeechSensitivity = $("end-sensitivity").value;
  if ($("prefix-padding").value !== "") detection.prefixPaddingMs = Number($("prefix-padding").value);
  if ($("silence-duration").value !== "") detection.silenceDurationMs = Number($("silence-duration").value);
  const input = {};
  if (Object.keys(detection).length) input.automaticActivityDetection = detection;
  if ($("activity-handling").value) input.activityHandling = $("activity-handling").value;
  if (Object.keys(input).length) config.realtimeInputConfig = input;
  return config;
}

async function connect() {
  if (!$("password-row").hidden) password = $("password").value;
  if (!state.info && !(await loadInfo())) return;
  showAlert("");
  setStatus("connecting", "Connecting…");
  $("connect").disabled = true;
  try {
    // Audio output starts on this click: browsers let a page play sound after a gesture.
    player = new Player((report) => {
      state.audioSamplesPlayed = report.played;
      state.audioSamplesQueued = report.queued;
      const flush = state.flushes.at(-1);
      if (report.flushed && flush && !flush.report) flush.report = report;
    });
    await player.start();
    const token = await consoleCall("/console/token", "POST");
    const ai = new GoogleGenAI({
      apiKey: token.name,
      httpOptions: { apiVersion: "v1alpha", baseUrl: location.origin },
    });
    let closedEarly;
    const closed = new Promise((_, reject) => (closedEarly = reject));
    closed.catch(() => {});
    const config = liveConfig();
    const opening = ai.live.connect({
      model: $("model").value,
      config,
      callbacks: {
        onmessage: onMessage,
        onerror: (event) => logEntry("event error", "", `WebSocket error: ${event?.message ?? "see the close reason"}`),
        onclose: (event) => {
          onClose(event);
          closedEarly(new Error(`closed before the session started: ${event.code} ${event.reason}`));
        },
      },
    });
    // A refused setup closes the socket and connect() never settles: race the close.
    session = await Promise.race([opening, closed]);
    setStatus("open", `Connected: ${$("model").value}`);
    setConnected(true);
    logEntry("event", "", `Session open (${config.responseModalities[0].toLowerCase()} replies)`);
    const ptt = radio("micmode") === "ptt";
    $("ptt").hidden = !ptt;
    $("mic").hidden = ptt;
    if (state.info.speech) {
      await startMic();
    } else {
      $("mic").disabled = $("ptt").disabled = true;
      logEntry("event", "", "This server has no voice: text only");
    }
  } catch (error) {
    if (state.status !== "closed") {
      setStatus("error", "Not connected");
      showAlert(`Could not connect: ${error.message}`);
    }
    cleanUp();
  }
}

function disconnect() {
  session?.close();
}

function onClose(event) {
  const wasOpen = session !== null;
  state.close = { code: event.code, reason: String(event.reason ?? "") };
  const what = `closed ${event.code}${event.reason ? `: ${event.reason}` : ""}`;
  setStatus("closed", `Session ${what}`);
  if (event.code !== 1000 && event.code !== 1005) {
    let text = `The server ${what}.`;
    if (/not supported yet/i.test(event.reason ?? "") && state.videoSource) {
      text = `This server does not take video yet (${what}). Turn the ${state.videoSource} off and connect again.`;
    }
    showAlert(text);
  }
  logEntry("event", "", `Session ${what}`);
  if (wasOpen || session === null) cleanUp();
}

function cleanUp() {
  session = null;
  stopMic();
  video?.stop();
  video = null;
  state.videoSource = null;
  player?.stop();
  player = null;
  for (const [id, label] of [["camera", "Camera off"], ["screen", "Share screen"]]) {
    $(id).setAttribute("aria-pressed", "false");
    $(id).textContent = label;
  }
  $("preview-box").hidden = true;
  setConnected(false);
}

// ---- what the server says ---------------------------------------------------------

function currentTurn() {
  if (!turn) {
    turn = { user: "", model: "", text: "", latencyMs: null, interrupted: false, complete: false };
    turn.userLine = null;
    turn.modelLine = null;
    state.turns.push(turn);
  }
  return turn;
}

function firstOutput() {
  const t = currentTurn();
  if (t.latencyMs !== null || !awaitingReply || !userEndAt) return;
  t.latencyMs = Math.max(0, Math.round(performance.now() - userEndAt));
  awaitingReply = false;
  state.latencies.push(t.latencyMs);
  $("latency").textContent = `${t.latencyMs} ms`;
  $("latency-median").textContent = `${Math.round(median(state.latencies))} ms`;
}

function onMessage(message) {
  const content = message.serverContent;
  if (message.toolCall) onToolCall(message.toolCall);
  if (message.toolCallCancellation) {
    logEntry("event", "", `Tool calls cancelled: ${message.toolCallCancellation.ids?.join(", ")}`);
  }
  if (message.goAway) logEntry("event", "", `The server will close the session in ${message.goAway.timeLeft}`);
  if (!content) return;
  if (content.inputTranscription?.text) {
    const t = currentTurn();
    t.user += content.inputTranscription.text;
    t.userLine ??= logEntry("user", "You", "");
    t.userLine.textContent = t.user;
  }
  for (const part of content.modelTurn?.parts ?? []) {
    if (part.inlineData?.data && part.inlineData.mimeType?.startsWith("audio/pcm")) {
      firstOutput();
      state.audioChunksIn += 1;
      const rate = Number(/rate=(\d+)/.exec(part.inlineData.mimeType)?.[1] ?? 24000);
      state.audioSamplesReceived += player?.play(base64ToBytes(part.inlineData.data), rate) ?? 0;
    } else if (typeof part.text === "string" && !part.thought) {
      firstOutput();
      modelText(part.text);
    } else if (part.executableCode) {
      logEntry("event", "Code", part.executableCode.code);
    } else if (part.codeExecutionResult) {
      logEntry("event", "Code result", part.codeExecutionResult.output ?? part.codeExecutionResult.outcome);
    }
  }
  if (content.outputTranscription?.text) modelText(content.outputTranscription.text);
  if (content.interrupted) {
    state.flushes = [
      ...state.flushes.slice(-9),
      { received: state.audioSamplesReceived, playedBefore: state.audioSamplesPlayed, report: null },
    ];
    player?.flush();
    state.interruptions += 1;
    currentTurn().interrupted = true;
    logEntry("event", "", "Interrupted: playback flushed");
  }
  if (content.turnComplete) {
    const t = currentTurn();
    t.complete = true;
    const latency = t.latencyMs === null ? "" : `, first reply after ${t.latencyMs} ms`;
    logEntry("event", "", `Turn complete${latency}`);
    $("turns").textContent = String(state.turns.filter((x) => x.complete).length);
    turn = null;
  }
}

function modelText(text) {
  const t = currentTurn();
  t.model += text;
  t.modelLine ??= logEntry("model", "Model", "");
  t.modelLine.textContent = t.model;
}

function onToolCall(toolCall) {
  const responses = [];
  for (const call of toolCall.functionCalls ?? []) {
    const result = answerTool(call);
    state.toolCalls.push({ name: call.name, args: call.args ?? {}, result });
    logEntry("event", "Tool call", `${call.name}(${JSON.stringify(call.args ?? {})})`);
    logEntry("event", "Tool result", JSON.stringify(result));
    responses.push({ id: call.id, name: call.name, response: result });
  }
  if (responses.length) {
    awaitingReply = true;
    userEndAt = performance.now();
    session?.sendToolResponse({ functionResponses: responses });
  }
}

// ---- microphone -------------------------------------------------------------------

function onMicChunk(pcm, level) {
  $("level").value = Math.min(1, level * 5);
  if (!session) return;
  const ptt = radio("micmode") === "ptt";
  if (ptt && !state.pttHeld) return;
  if (!ptt && !state.micOn) return;
  if (level > SPEECH_LEVEL) {
    lastSpeechAt = performance.now();
    awaitingReply = true;
    if (!ptt) userEndAt = lastSpeechAt;
  }
  state.audioChunksSent += 1;
  session.sendRealtimeInput({
    audio: { data: bytesToBase64(new Uint8Array(pcm.buffer)), mimeType: `audio/pcm;rate=${INPUT_RATE}` },
  });
}

async function startMic() {
  state.micError = "";
  mic = new Microphone(onMicChunk);
  try {
    await mic.start();
  } catch (error) {
    mic.stop();
    mic = null;
    state.micError = deviceError(error, "microphone");
    showAlert(state.micError);
    $("mic").disabled = $("ptt").disabled = true;
    return;
  }
  const handsFree = radio("micmode") === "handsfree";
  setMicOn(handsFree);
}

function setMicOn(on) {
  state.micOn = on;
  $("mic").setAttribute("aria-pressed", String(on));
  $("mic").textContent = on ? "Microphone on" : "Microphone off";
}

function stopMic() {
  mic?.stop();
  mic = null;
  setMicOn(false);
  state.pttHeld = false;
  $("level").value = 0;
}

function pressTalk() {
  if (state.pttHeld || !session || !mic) return;
  state.pttHeld = true;
  $("ptt").setAttribute("aria-pressed", "true");
  $("ptt").textContent = "Talking… release to send";
  session.sendRealtimeInput({ activityStart: {} });
}

function releaseTalk() {
  if (!state.pttHeld) return;
  state.pttHeld = false;
  $("ptt").setAttribute("aria-pressed", "false");
  $("ptt").textContent = "Hold to talk";
  userEndAt = performance.now();
  awaitingReply = true;
  session?.sendRealtimeInput({ activityEnd: {} });
}

// ---- camera and screen ------------------------------------------------------------

class VideoFeed {
  constructor(stream, kind) {
    this.stream = stream;
    this.kind = kind;
    this.canvas = document.createElement("canvas");
    $("preview").srcObject = stream;
    $("preview").play().catch(() => {});
    $("preview-box").hidden = false;
    stream.getVideoTracks()[0]?.addEventListener("ended", () => toggleVideo(kind));
    this.timer = setInterval(() => this.sendFrame(), FRAME_INTERVAL_MS);
  }

  async sendFrame() {
    const source = $("preview");
    if (!session || !source.videoWidth) return;
    const scale = Math.min(1, FRAME_MAX_WIDTH / source.videoWidth);
    this.canvas.width = Math.round(source.videoWidth * scale);
    this.canvas.height = Math.round(source.videoHeight * scale);
    this.canvas.getContext("2d").drawImage(source, 0, 0, this.canvas.width, this.canvas.height);
    const blob = await new Promise((resolve) => this.canvas.toBlob(resolve, "image/jpeg", 0.8));
    if (!blob || !session) return;
    const data = bytesToBase64(new Uint8Array(await blob.arrayBuffer()));
    session.sendRealtimeInput({ video: { data, mimeType: "image/jpeg" } });
    state.framesSent += 1;
    $("frames").textContent = `${state.framesSent} frame${state.framesSent === 1 ? "" : "s"} sent`;
  }

  stop() {
    clearInterval(this.timer);
    this.stream.getTracks().forEach((track) => track.stop());
    $("preview").srcObject = null;
    $("preview-box").hidden = true;
  }
}

async function toggleVideo(kind) {
  const wasOn = state.videoSource === kind;
  video?.stop();
  video = null;
  state.videoSource = null;
  $("camera").setAttribute("aria-pressed", "false");
  $("camera").textContent = "Camera off";
  $("screen").setAttribute("aria-pressed", "false");
  $("screen").textContent = "Share screen";
  if (wasOn || !session) return;
  const device = kind === "camera" ? "camera" : "screen share";
  state.videoError = "";
  try {
    const stream =
      kind === "camera"
        ? await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 } } })
        : await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    video = new VideoFeed(stream, kind);
    state.videoSource = kind;
    $(kind).setAttribute("aria-pressed", "true");
    $(kind).textContent = kind === "camera" ? "Camera on" : "Stop sharing";
    showAlert("");
  } catch (error) {
    state.videoError = deviceError(error, device);
    showAlert(state.videoError);
  }
}

// ---- text -------------------------------------------------------------------------

function sendText(event) {
  event.preventDefault();
  const text = $("text").value.trim();
  if (!text || !session) return;
  $("text").value = "";
  turn = null;
  const t = currentTurn();
  t.user = text;
  t.userLine = logEntry("user", "You", text);
  userEndAt = performance.now();
  awaitingReply = true;
  session.sendClientContent({ turns: [{ role: "user", parts: [{ text }] }], turnComplete: true });
}

// ---- wiring -----------------------------------------------------------------------

$("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  connect();
});
$("password").addEventListener("keydown", (event) => {
  if (event.key === "Enter") password = $("password").value;
});
$("disconnect").addEventListener("click", disconnect);
$("mic").addEventListener("click", () => setMicOn(!state.micOn));
$("camera").addEventListener("click", () => toggleVideo("camera"));
$("screen").addEventListener("click", () => toggleVideo("screen"));
$("text-form").addEventListener("submit", sendText);
const ptt = $("ptt");
ptt.addEventListener("pointerdown", (event) => {
  ptt.setPointerCapture?.(event.pointerId);
  pressTalk();
});
ptt.addEventListener("pointerup", releaseTalk);
ptt.addEventListener("pointercancel", releaseTalk);
ptt.addEventListener("keydown", (event) => {
  if ((event.key === " " || event.key === "Enter") && !event.repeat) {
    event.preventDefault();
    pressTalk();
  }
});
ptt.addEventListener("keyup", (event) => {
  if (event.key === " " || event.key === "Enter") {
    event.preventDefault();
    releaseTalk();
  }
});
ptt.addEventListener("blur", releaseTalk);

window.openliveConsole = { state, connect, disconnect };
loadInfo().then(() => {
  document.body.dataset.ready = "true";
});
