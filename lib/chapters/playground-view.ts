/**
 * Chapter: notebook 07-playground — the pictures, figures, tables and
 * computed sentences notebook 07 shows of its runs (lib/chapters/playground
 * makes the runs): the tile grid of every unit over the plane, saturation
 * over training (plane, training points, fresh points), the training-vs-fresh
 * comparison with its intervals, and the runs at a second step size.
 */
import { activation } from "../core/activations";
import { ConfigError } from "../core/errors";
import { SaturatedShare, SaturationRule, classifySaturation } from "../measure/saturation";
import type { TileGridOptions, TileRow } from "../display/tiles";
import { plot, table, text } from "../display";
import {
  FreshComparison,
  Moment,
  PlaygroundConfig,
  PlaygroundRun,
  compareFresh,
  describeConfig,
  firstEpochAbove,
  lastMoment,
  pointsOrPlaneVerdict,
  recipeNote,
  unitPlane,
} from "./playground";

// ------------------------------------------------------------ the tile grid

export interface PlaygroundTilesOptions {
  readonly title?: string;
  /** Frame shown first (default: the last moment). */
  readonly initialFrame?: number;
}

/**
 * The tile grid of notebook 07: one panel per run, one row per hidden layer
 * (the output's p(class 1) on top, layer 1 at the bottom), one tile per unit,
 * one frame per moment, the training points on every tile. Cells are
 * coloured by the run's saturation rule; in between, by value.
 */
export function playgroundTiles(runs: readonly PlaygroundRun[], opts: PlaygroundTilesOptions = {}): TileGridOptions {
  if (runs.length === 0) throw new ConfigError("runs", runs, "at least one PlaygroundRun");
  const epochs = runs[0].moments.map((m) => m.epoch);
  runs.forEach((r, i) => {
    if (r.moments.map((m) => m.epoch).join(",") !== epochs.join(",")) {
      throw new ConfigError(
        `runs[${i}].moments`,
        r.moments.map((m) => m.epoch),
        `the same epochs as runs[0] (${epochs.join(", ")})`,
      );
    }
  });
  const grid = runs[0].moments[0].plane.grid;
  const data = runs[0].config.data;
  const eps = runs[0].config.eps ?? 0.01;
  const hasRelu = runs.some((r) => r.rule.activation === "relu");
  const pct = (x: number) => text.pct(x, 0);
  const frames = epochs.map((epoch, k) => ({
    label: String(epoch),
    caption: runs
      .map((r) => {
        const m = r.moments[k];
        const div = r.diverged && epoch >= r.diverged.epoch ? ` (diverged at epoch ${r.diverged.epoch}: frozen)` : "";
        return `${r.config.label}: accuracy ${pct(m.accuracy)}, loss ${m.loss.toFixed(3)}${div}`;
      })
      .join(" · "),
    panels: runs.map((r) => {
      const m = r.moments[k];
      const act = activation(r.config.activation);
      const rows: TileRow[] = m.plane.widths.map((w, l) => {
        const layerValues = m.plane.layers[l];
        const range = shadeRange(r.rule, act.asymptotes, layerValues);
        const share = m.planeSaturation[l];
        const note =
          r.rule.activation === "linear"
            ? ""
            : r.rule.activation === "relu"
              ? `${pct(share.total)} zero`
              : r.rule.kind === "flat"
                ? `${pct(share.total)} flat`
                : `${pct(share.total)} sat.`;
        return {
          label: `layer ${l + 1}`,
          note,
          tiles: Array.from({ length: w }, (_, j) => {
            const v = unitPlane(m.plane, l + 1, j);
            const cls = classifySaturation(v, r.rule);
            const sat = cls.reduce((s, c) => s + (c !== 0 ? 1 : 0), 0) / cls.length;
            return {
              values: v,
              classes: cls,
              range,
              label: `layer ${l + 1}, unit ${j + 1}: ${pct(sat)} of the plane ${r.rule.activation === "relu" ? "at h = 0" : r.rule.kind === "flat" ? "flat (slope below δ of its largest)" : "saturated"}`,
            };
          }),
        };
      });
      const pRule: SaturationRule = { kind: "asymptotes", activation: "sigmoid", eps };
      rows.push({
        label: "output",
        note: "p(class 1)",
        tiles: [
          {
            values: m.plane.probability,
            classes: classifySaturation(m.plane.probability, pRule),
            range: [0, 1],
            label: `p(class 1); training accuracy ${pct(m.accuracy)}`,
          },
        ],
      });
      return rows.reverse();
    }),
  }));
  const xs: number[] = [],
    ys: number[] = [];
  for (let i = 0; i < data.n; i++) (xs.push(data.x[2 * i]), ys.push(data.x[2 * i + 1]));
  return {
    title: opts.title ?? `Every hidden unit over the input plane, ${runs.map((r) => r.config.label).join(" vs ")}`,
    x: { label: "x₁", unit: "input units" },
    y: { label: "x₂", unit: "input units" },
    color: { label: "Colour: the unit's value h (top row: p(class 1))", unit: `saturation at ε = ${eps}` },
    extent: { x: [grid.extent[0], grid.extent[1]], y: [grid.extent[0], grid.extent[1]] },
    resolution: grid.resolution,
    panelTitles: runs.map((r) => `${r.config.label}: ${describeConfig(r.config)}`),
    frames,
    sliderLabel: "Epoch",
    colors: {
      lowLabel: `within ε of the lower asymptote${hasRelu ? " (ReLU: h = 0)" : ""}`,
      highLabel: "within ε of the upper asymptote",
      betweenLabel: `in between, by value${hasRelu ? " (ReLU: 0 → layer max)" : ""}`,
    },
    points: { x: xs, y: ys, classes: Array.from(data.y) },
    initialFrame: opts.initialFrame,
  };
}

/** Values mapped onto the pale shades: the asymptotes, or the layer's own range when there are none. */
function shadeRange(
  rule: SaturationRule,
  asym: { low: number; high: number } | null,
  values: Float32Array,
): [number, number] {
  if (rule.kind === "asymptotes" && asym) return [asym.low, asym.high];
  let lo = Infinity,
    hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (values[i] < lo) lo = values[i];
    if (values[i] > hi) hi = values[i];
  }
  if (rule.activation === "relu") lo = 0;
  if (!(hi > lo)) hi = lo + 1;
  return [lo, hi];
}

/** How the units of one layer look over the plane at one moment. */
export interface UnitStates {
  /** Saturated (or ReLU-zero) on at least `stuckFraction` of the plane: constant, passing no gradient anywhere. */
  readonly stuck: number;
  /** Saturated on part of the plane only: the saturation depends on where x is. */
  readonly partly: number;
  /** Saturated nowhere on the grid. */
  readonly never: number;
}

export function unitStates(m: Moment, rule: SaturationRule, stuckFraction = 0.99): UnitStates[] {
  return m.plane.widths.map((w, l) => {
    let stuck = 0,
      partly = 0,
      never = 0;
    for (let j = 0; j < w; j++) {
      const cls = classifySaturation(unitPlane(m.plane, l + 1, j), rule);
      let s = 0;
      for (let i = 0; i < cls.length; i++) if (cls[i] !== 0) s++;
      if (s >= stuckFraction * cls.length) stuck++;
      else if (s > 0) partly++;
      else never++;
    }
    return { stuck, partly, never };
  });
}

// ------------------------------------------------------------ takeaways

/** Mean over layers of the saturated share, on the training points and over the plane, at the last moment. */
export function meanShares(run: PlaygroundRun): { points: number; plane: number } {
  const m = lastMoment(run);
  const mean = (xs: SaturatedShare[]) => xs.reduce((s, x) => s + x.total, 0) / xs.length;
  return { points: mean(m.pointSaturation), plane: mean(m.planeSaturation) };
}

/** The computed one-line takeaway under the tile grid of two runs. */
export function tilesTakeaway(baseline: PlaygroundRun, fixed: PlaygroundRun): string {
  const b = lastMoment(baseline),
    f = lastMoment(fixed);
  const pct = (x: number) => text.pct(x, 0);
  const list = (m: Moment) => m.planeSaturation.map((s) => pct(s.total)).join("/");
  const alike = (r: PlaygroundRun) => {
    const { points, plane } = meanShares(r);
    const how = { points: "more saturated than", plane: "less saturated than", same: "about as saturated as" }[
      pointsOrPlaneVerdict(points, plane)
    ];
    return `in the ${r.config.label} network the training points are ${how} the plane as a whole (${pct(points)} vs ${pct(plane)} of the entries, mean over layers)`;
  };
  const L = baseline.config.widths.length;
  return (
    `At epoch ${b.epoch} the ${baseline.config.label} network (training accuracy ${pct(b.accuracy)}) is saturated on ${list(b)} of the plane in layers 1–${L}, ` +
    `the ${fixed.config.label} network (${pct(f.accuracy)}) on ${list(f)}; ${alike(baseline)}, ${alike(fixed)}.`
  );
}

// ------------------------------------------------------------ the runs, as tables and figures

/** The recipe table of the runs about to train: one row per run, the caveat of recipeNote where it applies. */
export function recipeTable(configs: readonly PlaygroundConfig[], extra: string): void {
  table(
    [
      ...configs.map((c) => ({ network: c.label, recipe: describeConfig(c), note: recipeNote(c) ?? "" })),
      { network: "all", recipe: extra, note: "" },
    ],
    { caption: "What is trained below" },
  );
}

/** Per layer over training: saturated share of the plane (solid), of the training points (dashed), of the fresh points (dotted). */
export function saturationFigure(runs: readonly PlaygroundRun[]) {
  const eps = runs[0].config.eps ?? 0.01;
  const panel = (r: PlaygroundRun) => {
    const t = r.moments.map((m) => m.epoch);
    const color = (l: number) => plot.PALETTE[l % plot.PALETTE.length];
    return plot.line({
      title: r.config.label,
      x: { label: "training time", unit: "epochs" },
      y: { label: "saturated entries", unit: "%", range: [0, 100] },
      markers: true,
      series: r.config.widths.flatMap((_, l) => [
        {
          name: `layer ${l + 1}: plane`,
          x: t,
          y: r.moments.map((m) => 100 * m.planeSaturation[l].total),
          color: color(l),
        },
        {
          name: `layer ${l + 1}: training points`,
          x: t,
          y: r.moments.map((m) => 100 * m.pointSaturation[l].total),
          color: color(l),
          dash: "dash" as const,
        },
        ...(r.moments.every((m) => m.freshSaturation)
          ? [
              {
                name: `layer ${l + 1}: fresh points`,
                x: t,
                y: r.moments.map((m) => 100 * m.freshSaturation![l].total),
                color: color(l),
                dash: "dot" as const,
              },
            ]
          : []),
      ]),
    });
  };
  const firstHalf = (r: PlaygroundRun) => {
    const hits = firstEpochAbove(r, 0.5).flatMap((e, l) => (e === null ? [] : [`layer ${l + 1} at epoch ${e}`]));
    return `${r.config.label}: ${hits.length > 0 ? hits.join(", ") : "no layer"}`;
  };
  return {
    figure: plot.smallMultiples({
      title: `Saturated share per layer (ε = ${eps}) over training`,
      columns: 2,
      rowHeight: 340,
      panels: runs.map(panel),
    }),
    takeaway: `First moment a layer is saturated on half the plane or more — ${runs.map(firstHalf).join("; ")}.`,
  };
}

/** Training accuracy per epoch (eval mode), with its takeaway. */
export function accuracyFigure(runs: readonly PlaygroundRun[]) {
  const pct = (x: number) => text.pct(x, 0);
  return {
    figure: plot.line({
      title: "Training accuracy (eval mode, all training points)",
      x: { label: "training time", unit: "epochs" },
      y: { label: "accuracy", unit: "%", range: [0, 100] },
      series: runs.map((r) => ({
        name: r.config.label,
        x: r.epochAccuracy.map((_, i) => i + 1),
        y: r.epochAccuracy.map((a) => 100 * a),
      })),
    }),
    takeaway: `Best training accuracy: ${runs.map((r) => `${r.config.label} ${pct(Math.max(0, ...r.epochAccuracy))}`).join(", ")} (chance: 50%); at the end ${runs.map((r) => pct(lastMoment(r).accuracy)).join(" and ")}.`,
  };
}

/** The end-of-training table of plane and point shares and stuck / partly / never units, and its takeaway. */
export function unitStatesTable(runs: readonly PlaygroundRun[]): string {
  const states = runs.map((r) => unitStates(lastMoment(r), r.rule));
  const L = runs[0].config.widths.length;
  table(
    Array.from({ length: L }, (_, l) => {
      const row: Record<string, string | number> = { layer: l + 1 };
      runs.forEach((r, k) => {
        const m = lastMoment(r),
          s = states[k][l];
        row[`${r.config.label}: plane %`] = Number((100 * m.planeSaturation[l].total).toFixed(1));
        row[`${r.config.label}: points %`] = Number((100 * m.pointSaturation[l].total).toFixed(1));
        row[`${r.config.label}: stuck / partly / never`] = `${s.stuck} / ${s.partly} / ${s.never}`;
      });
      return row;
    }),
    {
      caption: `End of training (epoch ${lastMoment(runs[0]).epoch}): saturated share of the plane and of the training points, and units saturated on ≥ 99% of the plane (stuck), on part of it, or nowhere`,
    },
  );
  const units = runs[0].config.widths.reduce((a, b) => a + b, 0);
  const sums = states.map((s) =>
    s.reduce((a, b) => ({ stuck: a.stuck + b.stuck, partly: a.partly + b.partly, never: a.never + b.never }), {
      stuck: 0,
      partly: 0,
      never: 0,
    }),
  );
  return (
    `Of the ${units} hidden units, ` +
    runs
      .map(
        (r, k) =>
          `the ${r.config.label} network has ${sums[k].stuck} stuck (constant over the whole plane), ${sums[k].partly} saturated on part of the plane and ${sums[k].never} never saturated`,
      )
      .join("; ") +
    "."
  );
}

// ------------------------------------------------------------ training points against fresh points

/** Per layer, both runs: training − fresh saturated share with its 95% interval, and the rule's verdict. */
export function freshTable(runs: readonly PlaygroundRun[], caption: string): FreshComparison[][] {
  const all = runs.map((r) => compareFresh(r));
  const L = runs[0].config.widths.length;
  table(
    Array.from({ length: L }, (_, l) => {
      const row: Record<string, string | number> = { layer: l + 1 };
      runs.forEach((r, k) => {
        const c = all[k][l];
        row[`${r.config.label}: training`] = text.pct(c.difference.meanA);
        row[`${r.config.label}: fresh`] = text.pct(c.difference.meanB);
        row[`${r.config.label}: training − fresh [95%]`] = text.intervalPp(c.difference);
      });
      return row;
    }),
    { caption },
  );
  return all;
}

/** The computed sentence under the training-vs-fresh table. */
export function freshTakeaway(runs: readonly PlaygroundRun[], all: readonly FreshComparison[][]): string {
  const n = (r: PlaygroundRun) =>
    `${r.perPoint!.train[0].length} training and ${r.perPoint!.fresh[0].length} fresh points`;
  const says = (r: PlaygroundRun, cs: readonly FreshComparison[]) => {
    const by = (v: FreshComparison["verdict"]) => cs.filter((c) => c.verdict === v).map((c) => c.layer);
    const parts = (
      [
        "training points more saturated",
        "fresh points more saturated",
        "no difference resolved",
        "the same on every resample",
      ] as const
    )
      .map((v) => [v, by(v)] as const)
      .filter(([, ls]) => ls.length > 0)
      .map(([v, ls]) => `${v} in ${text.layerList(ls)}`);
    const widest = cs.reduce((a, b) => (Math.abs(b.difference.diff) > Math.abs(a.difference.diff) ? b : a));
    const largest =
      widest.difference.diff !== 0
        ? `; the largest difference, layer ${widest.layer}, is ${text.intervalPp(widest.difference)}`
        : "";
    return `${r.config.label} (η = ${r.config.learningRate}, training accuracy ${text.pct(lastMoment(r).accuracy, 0)}): ${text.andList(parts)}${largest}`;
  };
  return `At epoch ${lastMoment(runs[0]).epoch}, ${n(runs[0])} (95% bootstrap intervals of training − fresh) — ${runs.map((r, k) => says(r, all[k])).join("; ")}.`;
}

/** Every run at every rate: accuracy and, per layer, training − fresh with its interval. */
export function ratesTable(runs: readonly PlaygroundRun[]): FreshComparison[][] {
  const all = runs.map((r) => compareFresh(r));
  table(
    runs.map((r, k) => ({
      network: r.config.label,
      η: r.config.learningRate,
      "training accuracy (end)": text.pct(lastMoment(r).accuracy, 0),
      ...(r.diverged ? { note: `diverged at epoch ${r.diverged.epoch}` } : {}),
      ...Object.fromEntries(
        all[k].map((c) => [`layer ${c.layer}: training − fresh [95%]`, text.intervalPp(c.difference)]),
      ),
    })),
    {
      caption: `Both networks at both step sizes, epoch ${lastMoment(runs[0]).epoch}: saturated share on the training points minus on the fresh points, per layer, 95% bootstrap intervals`,
    },
  );
  return all;
}
