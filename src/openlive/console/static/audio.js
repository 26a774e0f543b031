// Microphone in (16 kHz PCM through the capture worklet) and speaker out (24 kHz PCM
// through the playback worklet), and the base64 the Live API carries them in.

export const INPUT_RATE = 16000;
export const OUTPUT_RATE = 24000;

export function bytesToBase64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function base64ToBytes(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// Why the browser would not give us a microphone or camera, in words a person can act on.
export function deviceError(error, device) {
  const name = error?.name ?? "";
  if (!window.isSecureContext || !navigator.mediaDevices) {
    return `The ${device} needs a secure page: open the console on https:// with a certificate this browser trusts, or on localhost.`;
  }
  if (name === "NotAllowedError" || name === "SecurityError") {
    return `The ${device} was refused. Allow it for this site in the browser's site settings (the icon left of the address), then try again. Text still works.`;
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return `No ${device} was found. Connect one and try again. Text still works.`;
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return `The ${device} could not be started: another program may be using it.`;
  }
  return `The ${device} could not be opened: ${error?.message ?? error}`;
}

export class Microphone {
  // onChunk(Int16Array pcm at 16 kHz, level 0..1) is called every 40 ms while open.
  constructor(onChunk) {
    this.onChunk = onChunk;
    this.context = null;
    this.stream = null;
  }

  get open() {
    return this.stream !== null;
  }

  async start() {
    if (!navigator.mediaDevices?.getUserMedia) {
      const error = new Error("no mediaDevices");
      error.name = "SecurityError";
      throw error;
    }
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    // The context runs at the device's rate; the worklet downsamples to 16 kHz itself.
    this.context = new AudioContext();
    await this.context.audioWorklet.addModule("/console/capture-worklet.js");
    const source = this.context.createMediaStreamSource(this.stream);
    const node = new AudioWorkletNode(this.context, "openlive-capture");
    node.port.onmessage = ({ data }) => this.onChunk(data.pcm, data.level);
    source.connect(node);
    // Nothing is heard from it, but a worklet only runs when connected to the output.
    const mute = this.context.createGain();
    mute.gain.value = 0;
    node.connect(mute).connect(this.context.destination);
  }

  stop() {
    this.stream?.getTracks().forEach((track) => track.stop());
    this.context?.close();
    this.stream = null;
    this.context = null;
  }
}

export class Player {
  // onProgress({played, queued}) in samples, every 100 ms while the context runs.
  constructor(onProgress) {
    this.onProgress = onProgress;
    this.context = null;
    this.node = null;
  }

  async start() {
    this.context = new AudioContext({ sampleRate: OUTPUT_RATE });
    await this.context.audioWorklet.addModule("/console/playback-worklet.js");
    this.node = new AudioWorkletNode(this.context, "openlive-playback", { outputChannelCount: [1] });
    this.node.port.onmessage = ({ data }) => this.onProgress(data);
    this.node.connect(this.context.destination);
    if (this.context.state === "suspended") await this.context.resume();
  }

  // 16-bit little-endian PCM at `rate`, as the server sends it.
  play(bytes, rate) {
    if (!this.node) return 0;
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 2));
    let samples = Float32Array.from(pcm, (s) => s / 0x8000);
    if (rate !== OUTPUT_RATE) samples = resampleLinear(samples, rate, OUTPUT_RATE);
    const count = samples.length; // the transfer below empties `samples`
    this.node.port.postMessage({ type: "chunk", samples }, [samples.buffer]);
    return count;
  }

  flush() {
    this.node?.port.postMessage({ type: "flush" });
  }

  stop() {
    this.context?.close();
    this.context = null;
    this.node = null;
  }
}

function resampleLinear(samples, from, to) {
  const out = new Float32Array(Math.floor((samples.length * to) / from));
  for (let i = 0; i < out.length; i++) {
    const at = (i * from) / to;
    const j = Math.floor(at);
    const next = samples[Math.min(j + 1, samples.length - 1)];
    out[i] = samples[j] + (next - samples[j]) * (at - j);
  }
  return out;
}
