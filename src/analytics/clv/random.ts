/**
 * A seeded pseudo-random generator and the samplers the model simulations need.
 *
 * Generator: SFC32 (Chris Doty-Humphrey's "small fast counting" generator, 128-bit state, passes
 * PractRand), its state filled from the seed by SplitMix32. Uniform doubles use 53 random bits.
 * Same seed, same sequence, on every platform: simulations in tests are reproducible.
 */
import { logGamma } from './special-functions';

// Local aliases: global lookups are slow inside Jest's vm sandbox, and simulations call these millions of times.
const { abs, floor, log, pow, sqrt } = Math;

export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    let s = seed >>> 0;
    const splitMix = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let t = s ^ (s >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      t ^= t >>> 15;
      return t >>> 0;
    };
    this.a = splitMix();
    this.b = splitMix();
    this.c = splitMix();
    this.d = 1;
    // The first outputs of a fresh SFC state are still correlated with the seed.
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Uniform on (0, 1): safe to take the logarithm of. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Standard normal, Marsaglia's polar method (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const spare = this.spareNormal;
      this.spareNormal = null;
      return spare;
    }
    for (;;) {
      const u = 2 * this.uniform() - 1;
      const v = 2 * this.uniform() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = sqrt((-2 * log(s)) / s);
        this.spareNormal = v * factor;
        return u * factor;
      }
    }
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError(`exponential rate must be positive, got ${rate}`);
    return -log(this.uniformOpen()) / rate;
  }

  /**
   * Gamma with the given shape and SCALE (mean shape × scale). Marsaglia & Tsang (2000) squeeze
   * method; shapes below 1 use Gamma(shape) = Gamma(shape + 1) × U^(1/shape).
   */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0) || !(scale > 0)) throw new RangeError(`gamma needs positive shape and scale, got (${shape}, ${scale})`);
    if (shape < 1) {
      const boost = pow(this.uniformOpen(), 1 / shape);
      return this.gamma(shape + 1, scale) * boost;
    }
    const d = shape - 1 / 3;
    const c = 1 / sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v * scale;
      if (log(u) < 0.5 * x2 + d * (1 - v + log(v))) return d * v * scale;
    }
  }

  /** Beta(a, b) as G1 / (G1 + G2) with independent gammas. */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /**
   * Poisson with the given mean. Small means: multiply uniforms until the product drops below
   * e^-mean (Knuth). Means of 10 and above: Hörmann's (1993) transformed rejection with squeeze (PTRS).
   */
  poisson(mean: number): number {
    if (!(mean >= 0) || !Number.isFinite(mean)) throw new RangeError(`poisson mean must be finite and >= 0, got ${mean}`);
    if (mean === 0) return 0;
    if (mean < 10) {
      const limit = Math.exp(-mean);
      let k = 0;
      let product = this.uniform();
      while (product > limit) {
        k++;
        product *= this.uniform();
      }
      return k;
    }
    const sqrtMean = sqrt(mean);
    const logMean = log(mean);
    const b = 0.931 + 2.53 * sqrtMean;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5;
      const v = this.uniform();
      const us = 0.5 - abs(u);
      const k = floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (log(v) + log(invAlpha) - log(a / (us * us) + b) <= -mean + k * logMean - logGamma(k + 1)) return k;
    }
  }
}
