/**
 * Small 2-D classification sets for pictures (decision regions, activations
 * over the plane). Points lie roughly in [-1, 1]^2 (exactly, when noise is 0);
 * labels alternate 0, 1, 0, 1, ... so classes are balanced to within one.
 * `noise` is the standard deviation of Gaussian jitter added to each coordinate.
 */
import { ConfigError } from "../core/errors";
import type { Dataset } from "./dataset";
import { Rng } from "../core/rng";

interface ToyCommon {
  readonly n: number;
  readonly seed: number;
  readonly noise?: number;
}

/**
 * Two interleaved spirals. A point of class c at radius r in (0, 1] sits at
 * angle 2*pi*turns*r + c*pi, so each spiral is the other turned half a turn.
 */
export function makeSpirals(opts: ToyCommon & { turns?: number }): Dataset {
  const turns = opts.turns ?? 1.5;
  positive("turns", turns);
  return build("spirals", opts, (c, rng) => {
    const r = rng.uniform(0.05, 1); // skip the centre, where the spirals meet
    const angle = 2 * Math.PI * turns * r + c * Math.PI;
    return [r * Math.cos(angle), r * Math.sin(angle)];
  });
}

/** Two concentric circles: class 0 on radius 1, class 1 on radius `factor`. */
export function makeCircles(opts: ToyCommon & { factor?: number }): Dataset {
  const factor = opts.factor ?? 0.5;
  if (!(factor > 0 && factor < 1)) throw new ConfigError("factor", factor, "a number in (0, 1): the inner radius");
  return build("circles", opts, (c, rng) => {
    const r = c === 0 ? 1 : factor;
    const angle = rng.uniform(0, 2 * Math.PI);
    return [r * Math.cos(angle), r * Math.sin(angle)];
  });
}

/**
 * XOR of signs: class 1 iff x and y have opposite signs. Points are uniform
 * in the class' two quadrants, at least `margin` away from both axes.
 */
export function makeXor(opts: ToyCommon & { margin?: number }): Dataset {
  const margin = opts.margin ?? 0.05;
  if (!(margin >= 0 && margin < 1)) throw new ConfigError("margin", margin, "a number in [0, 1)");
  return build("xor", opts, (c, rng) => {
    const sx = rng.next() < 0.5 ? -1 : 1;
    const sy = c === 0 ? sx : -sx;
    return [sx * rng.uniform(margin, 1), sy * rng.uniform(margin, 1)];
  });
}

/**
 * Two interleaving half circles (scikit-learn's moons), rescaled from
 * [-1, 2] x [-0.5, 1] to [-1, 1]^2.
 */
export function makeMoons(opts: ToyCommon): Dataset {
  return build("moons", opts, (c, rng) => {
    const t = rng.uniform(0, Math.PI);
    const x = c === 0 ? Math.cos(t) : 1 - Math.cos(t);
    const y = c === 0 ? Math.sin(t) : 0.5 - Math.sin(t);
    return [(x - 0.5) / 1.5, (y - 0.25) / 0.75];
  });
}

/** Draws point i for label i % 2, then jitters it. */
function build(
  kind: string,
  opts: ToyCommon,
  point: (label: number, rng: Rng) => readonly [number, number],
): Dataset {
  const { n, seed } = opts;
  const noise = opts.noise ?? 0;
  if (!Number.isInteger(n) || n < 2) throw new ConfigError("n", n, "an integer >= 2");
  if (!Number.isFinite(seed)) throw new ConfigError("seed", seed, "a finite number");
  if (!(noise >= 0 && Number.isFinite(noise))) throw new ConfigError("noise", noise, "a number >= 0");
  const shapeRng = new Rng(seed).fork(`${kind} points`);
  const noiseRng = new Rng(seed).fork(`${kind} noise`); // separate, so noise does not move the clean points
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const [px, py] = point(c, shapeRng);
    x[2 * i] = px + noise * noiseRng.normal();
    x[2 * i + 1] = py + noise * noiseRng.normal();
    y[i] = c;
  }
  const extra = Object.entries(opts)
    .filter(([k, v]) => k !== "n" && k !== "seed" && v !== undefined)
    .map(([k, v]) => `, ${k}=${String(v)}`)
    .join("");
  return { name: `${kind}(n=${n}, seed=${seed}${extra})`, x, y, n, inputDim: 2, numClasses: 2 };
}

function positive(field: string, v: number): void {
  if (!(v > 0 && Number.isFinite(v))) throw new ConfigError(field, v, "a finite number > 0");
}
