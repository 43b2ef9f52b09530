/**
 * The fixes proposed for deep sigmoid networks, each a named, typed
 * configuration — one catalogue for every place that applies a fix: notebook
 * 05 compares them at equal budget (lib/chapters/fixes), the playground of
 * notebook 07 and the book's in-browser playground apply them to a small net.
 * A reader adds a fix by writing one more `Fix` object:
 *
 *   const mine: Fix = { id: "leaky-he", label: "Leaky ReLU, He init", group: "activation",
 *     claim: "…", citation: "…", activation: "leakyRelu", init: "he", optimizer: "sgd" };
 *
 * Baseline: sigmoid, standard init U[−1/√n, 1/√n], plain SGD (the question's network).
 */
import type { ActivationName } from "../core/activations";
import type { InitSpec } from "../core/init";
import { ConfigError } from "../core/errors";

export type FixGroup =
  | "baseline"
  | "initialisation"
  | "activation"
  | "Glorot & Bengio Table 1"
  | "training and architecture";

/**
 * Per-layer learning-rate multipliers m_l (hidden layers 1..L, then the output layer L+1):
 *  - geometric: m_l = base^(L−l) for hidden layers, 1 for the output layer. With base 4 this
 *    undoes a gradient that shrinks 4× per layer going down (σ' ≤ 1/4; Xu et al. 2016). At depth
 *    10 layer 1 gets 4⁹ ≈ 2.6 × 10⁵: not clipped, because the gradient measured at init shrinks
 *    faster than 4× per layer (notebook 05 shows the first step's update:data ratio per layer).
 *  - equalizeUpdateRatio: m_l = r_{L+1} / r_l with r_l = ‖∂L/∂W_l‖ / ‖W_l‖ measured at init on
 *    the training probe points, so that SGD's first update changes every layer's weights by
 *    the same fraction as the output layer's.
 */
export type LayerRateRule =
  | { readonly kind: "geometric"; readonly base: number }
  | { readonly kind: "equalizeUpdateRatio" };

/**
 * THE per-layer rate rule of fix 4a (one definition, used by the fix, by exercise 05.1's text, reference and
 * checker, and by notebook 05's table): m_l = base^(L−l) for hidden layers l = 1..L, and 1 for the output layer
 * L+1 — so the top hidden layer and the output layer both keep the base rate, and each layer below gets `base`
 * times the rate of the layer above it. With base 4 this undoes the ≤ ¼ factor σ' puts on the error at every
 * hidden layer it crosses between layer L and layer l (δ_l has crossed L − l more of them than δ_L has).
 * At depth 10 layer 1 gets 4⁹ ≈ 2.6 × 10⁵ (not clipped: notebook 05 shows what the first step does with it).
 */
export function geometricLayerRates(depth: number, base: number): number[] {
  if (!(Number.isInteger(depth) && depth >= 1)) throw new ConfigError("depth", depth, "a positive integer");
  if (!(Number.isFinite(base) && base > 0)) throw new ConfigError("base", base, "a positive number, e.g. 4");
  return [...Array.from({ length: depth }, (_, i) => base ** (depth - 1 - i)), 1];
}

/**
 * An init, or orthogonal at the gain where the net is closest to dynamical isometry (found
 * numerically), optionally with biases centred on data (lib/core/centre, our construction).
 */
export type FixInit = InitSpec | { readonly name: "orthogonal"; readonly gain: "isometry"; readonly centre?: boolean };

export interface Fix {
  /** Short id, used in cache names. */
  readonly id: string;
  readonly label: string;
  readonly group: FixGroup;
  /** What the fix is supposed to do, in one sentence. */
  readonly claim: string;
  readonly citation: string;
  readonly activation: ActivationName;
  readonly init: FixInit;
  readonly batchNorm?: boolean;
  /** Residual blocks h_l = h_{l−1} + σ(z_l) R_l + c_l between equal widths (lib/core/model). */
  readonly residual?: boolean;
  readonly optimizer: "sgd" | "adam";
  readonly layerRates?: LayerRateRule;
}

export const BASELINE: Fix = {
  id: "baseline",
  label: "Baseline: sigmoid, standard init, SGD",
  group: "baseline",
  claim: "The question's network: saturates and trains slowly, worse with depth.",
  citation: "Glorot & Bengio 2010 (standard init, eq. 1)",
  activation: "sigmoid",
  init: "standard",
  optimizer: "sgd",
};

/** The fixes of the study, baseline first. Numbers in `label` follow the notebook's list. */
export const FIXES: readonly Fix[] = [
  BASELINE,
  {
    id: "normalized",
    label: "1 · Normalized (Xavier) init",
    group: "initialisation",
    claim:
      "Keeps activation and gradient variances equal across layers at init — derived for a symmetric unit with f′(0) = 1; on the sigmoid it is our extension.",
    citation: "Glorot & Bengio 2010, eq. 16 (their Table 1 has no 'Sigmoid N' row: applying it to σ is ours)",
    activation: "sigmoid",
    init: "normalized",
    optimizer: "sgd",
  },
  {
    id: "lecun-tanh",
    label: "2 · LeCun: 1.7159·tanh(2z/3), LeCun init",
    group: "activation",
    claim: "A symmetric activation with unit gain and inputs of unit variance.",
    citation: "LeCun, Bottou, Orr & Müller 1998, Efficient BackProp",
    activation: "scaledTanh",
    init: "lecun",
    optimizer: "sgd",
  },
  {
    id: "lsuv",
    label: "3 · LSUV init on sigmoid",
    group: "initialisation",
    claim: "Orthonormal weights rescaled on data so every layer's pre-activation has unit variance.",
    citation: "Mishkin & Matas 2016",
    activation: "sigmoid",
    init: "lsuv",
    optimizer: "sgd",
  },
  {
    id: "layer-rates-4x",
    label: "4a · Per-layer learning rates 4^(L−l)",
    group: "training and architecture",
    claim: "Larger steps for lower layers undo the ≤ 1/4 shrink of the gradient per sigmoid layer.",
    citation: "Xu, Huang & Li 2016 (suggestion)",
    activation: "sigmoid",
    init: "standard",
    optimizer: "sgd",
    layerRates: { kind: "geometric", base: 4 },
  },
  {
    id: "layer-rates-eq",
    label: "4b · Per-layer rates equalising update:data at init",
    group: "training and architecture",
    claim: "Every layer's first update is the same fraction of its weights.",
    citation: "after Xu, Huang & Li 2016",
    activation: "sigmoid",
    init: "standard",
    optimizer: "sgd",
    layerRates: { kind: "equalizeUpdateRatio" },
  },
  {
    id: "scaled-sigmoid",
    label: "5a · Scaled sigmoid 4σ(z) − 2",
    group: "activation",
    claim: "A sigmoid with slope 1 at 0 and zero mean, like tanh.",
    citation: "Xu, Huang & Li 2016",
    activation: "scaledSigmoid",
    init: "standard",
    optimizer: "sgd",
  },
  {
    id: "penalized-tanh",
    label: "5b · Penalized tanh",
    group: "activation",
    claim: "tanh with the negative side scaled by 1/4.",
    citation: "Xu, Huang & Li 2016",
    activation: "penalizedTanh",
    init: "standard",
    optimizer: "sgd",
  },
  {
    id: "tanh",
    label: "6a · tanh, standard init",
    group: "Glorot & Bengio Table 1",
    claim: "Glorot & Bengio's Table 1 row 'Tanh'.",
    citation: "Glorot & Bengio 2010, Table 1",
    activation: "tanh",
    init: "standard",
    optimizer: "sgd",
  },
  {
    id: "tanh-n",
    label: "6b · tanh, normalized init",
    group: "Glorot & Bengio Table 1",
    claim: "Glorot & Bengio's Table 1 row 'Tanh N'.",
    citation: "Glorot & Bengio 2010, Table 1",
    activation: "tanh",
    init: "normalized",
    optimizer: "sgd",
  },
  {
    id: "softsign",
    label: "6c · softsign, standard init",
    group: "Glorot & Bengio Table 1",
    claim: "Glorot & Bengio's Table 1 row 'Softsign': saturates polynomially, not exponentially.",
    citation: "Glorot & Bengio 2010, Table 1",
    activation: "softsign",
    init: "standard",
    optimizer: "sgd",
  },
  {
    id: "softsign-n",
    label: "6d · softsign, normalized init",
    group: "Glorot & Bengio Table 1",
    claim: "Glorot & Bengio's Table 1 row 'Softsign N'.",
    citation: "Glorot & Bengio 2010, Table 1",
    activation: "softsign",
    init: "normalized",
    optimizer: "sgd",
  },
  {
    id: "relu-he",
    label: "7 · ReLU, He init",
    group: "activation",
    claim: "No upper saturation; derivative 1 on the active side.",
    citation: "Nair & Hinton 2010; He et al. 2015",
    activation: "relu",
    init: "he",
    optimizer: "sgd",
  },
  {
    id: "batchnorm",
    label: "8 · Batch norm before the sigmoid",
    group: "training and architecture",
    claim: "Normalises every pre-activation per mini-batch, keeping it in the sigmoid's non-saturated range.",
    citation: "Ioffe & Szegedy 2015",
    activation: "sigmoid",
    init: "standard",
    optimizer: "sgd",
    batchNorm: true,
  },
  {
    id: "residual",
    label: "9 · Residual blocks",
    group: "training and architecture",
    claim: "h_l = h_{l−1} + σ(W_l h_{l−1} + b_l) R_l + c_l: an identity path for the signal and the gradient.",
    citation:
      "He, Zhang, Ren & Sun 2016 (two-layer block, eq. 1–2, σ here the sigmoid); no activation after the addition, as in He et al. 2016, Identity mappings",
    activation: "sigmoid",
    init: "standard",
    optimizer: "sgd",
    residual: true,
  },
  {
    id: "orthogonal-isometry",
    label: "10 · Orthogonal init at the isometry gain, centred biases",
    group: "initialisation",
    claim: "Mean squared singular value of the input–output Jacobian ≈ 1 at init, with σ working like tanh.",
    citation:
      "Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017 (derived for odd, tanh-like units); bias centring is ours (lib/core/centre)",
    activation: "sigmoid",
    init: { name: "orthogonal", gain: "isometry", centre: true },
    optimizer: "sgd",
  },
  {
    id: "adam",
    label: "11 · Adam, standard init",
    group: "training and architecture",
    claim: "Per-parameter step sizes: a tiny gradient still gets a full-size step.",
    citation: "Kingma & Ba 2015",
    activation: "sigmoid",
    init: "standard",
    optimizer: "adam",
  },
];

export function fixById(id: string, list: readonly Fix[] = FIXES): Fix {
  const f = list.find((x) => x.id === id);
  if (!f) throw new ConfigError("fix id", id, `one of ${list.map((x) => x.id).join(", ")}`);
  return f;
}
