// The microphone's AudioWorklet: downsample to 16 kHz, cut into 40 ms chunks of
// 16-bit PCM, and post each to the page with its loudness (RMS), which the page's
// level meter and end-of-speech clock read.
import { Downsampler } from "./resample.js";

const OUT_RATE = 16000;
const CHUNK = 640; // 40 ms at 16 kHz

class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.downsampler = new Downsampler(sampleRate, OUT_RATE);
    this.buffer = new Int16Array(CHUNK);
    this.filled = 0;
    this.energy = 0;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    const samples = this.downsampler.process(channel);
    for (let i = 0; i < samples.length; i++) {
      const s = Math.max(-1, Math.min(1, samples[i]));
      this.energy += s * s;
      this.buffer[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === CHUNK) {
        const pcm = this.buffer;
        this.port.postMessage({ pcm, level: Math.sqrt(this.energy / CHUNK) }, [pcm.buffer]);
        this.buffer = new Int16Array(CHUNK);
        this.filled = 0;
        this.energy = 0;
      }
    }
    return true;
  }
}

registerProcessor("openlive-capture", CaptureProcessor);
