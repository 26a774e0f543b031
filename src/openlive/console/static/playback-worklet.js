// The speaker's AudioWorklet, in a 24 kHz context: play queued Float32 chunks in
// order; "flush" drops everything queued (the model was interrupted). Every 100 ms
// it reports how much it has played and how much is queued.

class PlaybackProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0; // read position in queue[0]
    this.queued = 0;
    this.played = 0;
    this.sinceReport = 0;
    this.port.onmessage = ({ data }) => {
      if (data.type === "chunk") {
        this.queue.push(data.samples);
        this.queued += data.samples.length;
      } else if (data.type === "flush") {
        this.queue = [];
        this.offset = 0;
        this.queued = 0;
        this.report(true);
      }
    };
  }

  report(flushed = false) {
    this.sinceReport = 0;
    this.port.postMessage({ played: this.played, queued: this.queued, flushed });
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    let i = 0;
    while (i < out.length && this.queue.length) {
      const head = this.queue[0];
      const n = Math.min(out.length - i, head.length - this.offset);
      out.set(head.subarray(this.offset, this.offset + n), i);
      i += n;
      this.offset += n;
      this.played += n;
      this.queued -= n;
      if (this.offset === head.length) {
        this.queue.shift();
        this.offset = 0;
      }
    }
    out.fill(0, i);
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    this.sinceReport += out.length;
    if (this.sinceReport >= sampleRate / 10) this.report();
    return true;
  }
}

registerProcessor("openlive-playback", PlaybackProcessor);
