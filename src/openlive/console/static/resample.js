// Downsampling from the audio context's rate to the 16 kHz the Live API takes.
// A fourth-order low-pass (two biquads, Butterworth, cut at 7 kHz) keeps what lies
// above 8 kHz from folding into the speech band; linear interpolation then reads the
// filtered signal at the output instants. Used by the capture worklet; a module of
// its own so that the browser tests can feed it tones.

class Biquad {
  constructor(rate, cutoff, q) {
    const w = (2 * Math.PI * cutoff) / rate;
    const alpha = Math.sin(w) / (2 * q);
    const cos = Math.cos(w);
    const a0 = 1 + alpha;
    this.b0 = (1 - cos) / 2 / a0;
    this.b1 = (1 - cos) / a0;
    this.b2 = this.b0;
    this.a1 = (-2 * cos) / a0;
    this.a2 = (1 - alpha) / a0;
    this.x1 = this.x2 = this.y1 = this.y2 = 0;
  }

  step(x) {
    const y = this.b0 * x + this.b1 * this.x1 + this.b2 * this.x2 - this.a1 * this.y1 - this.a2 * this.y2;
    this.x2 = this.x1;
    this.x1 = x;
    this.y2 = this.y1;
    this.y1 = y;
    return y;
  }
}

export class Downsampler {
  constructor(inputRate, outputRate = 16000) {
    this.inputRate = inputRate;
    this.outputRate = outputRate;
    this.step = inputRate / outputRate;
    const cutoff = Math.min(7000, outputRate * 0.4375);
    // Q of a 4th-order Butterworth's two sections.
    this.filters = inputRate > outputRate ? [new Biquad(inputRate, cutoff, 0.5412), new Biquad(inputRate, cutoff, 1.3066)] : [];
    this.previous = 0; // the last filtered input sample
    this.position = 0; // where the next output falls, in input samples after `previous`
  }

  // Float32 samples at the input rate in, Float32 samples at the output rate out.
  process(input) {
    const out = [];
    for (let i = 0; i < input.length; i++) {
      let x = input[i];
      for (const f of this.filters) x = f.step(x);
      // Outputs that fall between `previous` (at 0) and this sample (at 1).
      while (this.position <= 1) {
        out.push(this.previous + (x - this.previous) * this.position);
        this.position += this.step;
      }
      this.position -= 1;
      this.previous = x;
    }
    return Float32Array.from(out);
  }
}
