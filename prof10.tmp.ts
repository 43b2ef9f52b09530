import { scanLayer, sigmoidDeltaForEps } from "./lib/measure/saturation";
import { activation } from "./lib/core/activations";
import * as fs from "fs";
const acts = (JSON.parse(fs.readFileSync("/tmp/pp/acts.json", "utf8")) as number[][]).map((a) => Float32Array.from(a));
const act = activation("sigmoid");
const o = { eps: [0.01, 0.05], delta: sigmoidDeltaForEps(0.01), bins: 50, rhoBins: 10, stuckFraction: 0.99 };
for (let r = 0; r < 60; r++) acts.forEach((a) => scanLayer(a, 1000, 256, act, o));
