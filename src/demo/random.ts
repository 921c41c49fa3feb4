// Seeded randomness for the demo generator. Every customer gets its own streams derived from
// (seed, index, purpose), so any customer can be regenerated alone and batch size never matters.
import { xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';

type Source = ReturnType<typeof xoroshiro128plusFromState>;

const TWO_POW_32 = 4294967296;
const INV_TWO_POW_32 = 1 / TWO_POW_32;

/** murmur3 finaliser: a cheap, well-mixing 32-bit bijection. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash any list of non-negative integers (up to 2^53) into 32 bits. */
export function hash32(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    const lo = part >>> 0;
    const hi = Math.floor(part / TWO_POW_32) >>> 0;
    h = mix32(h ^ lo) + 0x7f4a7c15;
    h = mix32(h ^ hi) + 0x165667b1;
  }
  return mix32(h);
}

/** Stream purposes: separate streams keep orders identical when only eventDensity changes. */
export const Stream = { profile: 1, orders: 2, events: 3, catalog: 4, calibration: 5 } as const;

/** Cumulative-weight table for fast weighted picks. */
export interface Weighted<T> {
  readonly items: readonly T[];
  readonly cumulative: Float64Array;
}

export function weighted<T>(pairs: readonly (readonly [T, number])[]): Weighted<T> {
  const cumulative = new Float64Array(pairs.length);
  let total = 0;
  pairs.forEach(([, w], i) => {
    total += w;
    cumulative[i] = total;
  });
  for (let i = 0; i < cumulative.length; i++) cumulative[i] /= total;
  return { items: pairs.map(([item]) => item), cumulative };
}

export class Rng {
  private readonly source: Source;

  constructor(...key: number[]) {
    // xoroshiro's own seeding uses one 32-bit word; hashing 4 words gives independent streams.
    const state = [hash32(...key, 1), hash32(...key, 2), hash32(...key, 3), hash32(...key, 4)];
    if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1; // all-zero state is stuck
    this.source = xoroshiro128plusFromState(state.map((w) => w | 0));
  }

  /** 32 random bits as an unsigned integer. */
  u32(): number {
    return this.source.next() >>> 0;
  }

  /** Uniform in the open interval (0, 1); never 0, so log() is always safe. */
  float(): number {
    return ((this.source.next() >>> 0) + 0.5) * INV_TWO_POW_32;
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.float();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Integer in [min, max]. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: ArrayLike<T>): T {
    return items[this.int(items.length)];
  }

  choose<T>(table: Weighted<T>): T {
    const u = this.float();
    const c = table.cumulative;
    let i = 0;
    while (i < c.length - 1 && c[i] < u) i++;
    return table.items[i];
  }

  exp(mean: number): number {
    return -Math.log(this.float()) * mean;
  }

  normal(): number {
    // Box–Muller, one value per call: simpler to keep streams aligned than caching the pair.
    return Math.sqrt(-2 * Math.log(this.float())) * Math.cos(2 * Math.PI * this.float());
  }

  /** Gamma(shape, scale) by Marsaglia–Tsang; shapes below 1 use the U^(1/k) boost. */
  gamma(shape: number, scale = 1): number {
    if (shape < 1) return this.gamma(shape + 1, scale) * Math.pow(this.float(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.float();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
  }

  beta(a: number, b: number): number {
    const x = this.gamma(a);
    return x / (x + this.gamma(b));
  }

  /** Fill 16 bytes (for UUIDs). */
  bytes16(out: Uint8Array): Uint8Array {
    for (let i = 0; i < 16; i += 4) {
      const w = this.u32();
      out[i] = w & 0xff;
      out[i + 1] = (w >>> 8) & 0xff;
      out[i + 2] = (w >>> 16) & 0xff;
      out[i + 3] = w >>> 24;
    }
    return out;
  }

  /** Random string over an alphabet of up to 64 symbols. */
  chars(alphabet: string, length: number): string {
    let s = '';
    let bits = 0;
    let pool = 0;
    for (let i = 0; i < length; i++) {
      if (bits < 6) {
        pool = this.u32();
        bits = 32;
      }
      s += alphabet[(pool & 63) % alphabet.length];
      pool >>>= 6;
      bits -= 6;
    }
    return s;
  }
}

/**
 * Bijection on [0, 10^(2k)) (balanced Feistel network on two base-10^k halves): turns
 * sequential indexes into unique, random-looking numbers (phone suffixes, member ids).
 */
export function feistel(value: number, halfDigits: number, key: number): number {
  const m = 10 ** halfDigits;
  let left = Math.floor(value / m);
  let right = value % m;
  for (let round = 0; round < 4; round++) {
    const next = (left + (hash32(key, round, right) % m)) % m;
    left = right;
    right = next;
  }
  return left * m + right;
}
