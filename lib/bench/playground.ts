/**
 * The in-browser playground's budget (`npm run bench -- --playground`): in a
 * real headless Chromium, the book's playground page trains the question's
 * kind of network on spirals and redraws its pictures while it trains. The
 * budget: 100 epochs within 10 s, a new picture at least twice a second.
 *
 * The page is built from notebooks/ into a temporary folder (the same page
 * `npm start` writes to out/book/playground.html), opened from file://.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { buildBook } from "../book/build";
import { PLAYGROUND_PAGE } from "../book/playground/page";
import type { PlaygroundApi, RunOptions } from "../chapters/playground-page";
import { projectRoot } from "../core/paths";
import { HOW_TO_GET_CHROMIUM, QUIET_CHROMIUM_ARGS, findChromium } from "./browser";
import { median } from "./report";

/** The run the budget is about: 5 × 8 sigmoid on spirals, the learning rate the chapter uses, 100 epochs. */
export const BUDGET_RUN: RunOptions = {
  dataset: "spirals",
  depth: 5,
  width: 8,
  activation: "sigmoid",
  init: "standard",
  learningRate: 6,
  epochs: 100,
  seed: 1,
};
export const BUDGET = { seconds: 10, maxGapMs: 500 };

/** One round in the page. */
export interface PlaygroundRound {
  readonly seconds: number;
  readonly pictures: number;
  readonly meanGapMs: number;
  readonly maxGapMs: number;
  /** From the click on Train (run()) to the first picture. */
  readonly firstPictureMs: number;
  readonly accuracy: number;
}

export interface PlaygroundBench {
  /** The browser's name and version, e.g. "Chromium 143.0.7499.169". */
  readonly browser: string;
  readonly rounds: readonly PlaygroundRound[];
}

export async function measurePlayground(rounds = 3): Promise<PlaygroundBench> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error(`npm run bench -- --playground: ${HOW_TO_GET_CHROMIUM}`);
  // playwright-core is a development dependency: the benchmark is a developer's tool.
  const { chromium } = await import("playwright-core");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sigmoid-lab-bench-playground-"));
  const browser = await chromium.launch({ executablePath, headless: true, args: QUIET_CHROMIUM_ARGS });
  try {
    buildBook({ notebooksDir: path.join(projectRoot(), "notebooks"), outDir: dir });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(pathToFileURL(path.join(dir, PLAYGROUND_PAGE)).href);
    await page.waitForSelector('#sigmoid-lab-playground[data-ready="true"]', { timeout: 60_000 });
    const out: PlaygroundRound[] = [];
    for (let r = 0; r < rounds; r++) {
      out.push(
        await page.evaluate(async (options) => {
          const api = (window as unknown as { sigmoidLabPlayground: PlaygroundApi }).sigmoidLabPlayground;
          const t0 = performance.now();
          const res = await api.run(options);
          const times = api.status().drawTimes.filter((t) => t >= t0);
          const gaps = times.slice(1).map((t, i) => t - times[i]);
          return {
            seconds: res.seconds,
            pictures: times.length,
            meanGapMs: gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length),
            maxGapMs: gaps.length > 0 ? Math.max(...gaps) : Infinity,
            firstPictureMs: times.length > 0 ? times[0] - t0 : Infinity,
            accuracy: res.accuracy,
          };
        }, BUDGET_RUN),
      );
    }
    return { browser: `Chromium ${browser.version()}`, rounds: out };
  } finally {
    await browser.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function playgroundLines({ browser, rounds }: PlaygroundBench): string[] {
  const range = (f: (r: PlaygroundRound) => number, digits: number) => {
    const v = rounds.map(f);
    return `${median(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;
  };
  const worstSeconds = Math.max(...rounds.map((r) => r.seconds));
  const worstGap = Math.max(...rounds.map((r) => r.maxGapMs));
  const b = BUDGET_RUN;
  return [
    `## The playground in the browser (${browser}, headless, 1280 × 800; the book's ${PLAYGROUND_PAGE} from file://)`,
    "",
    `${b.depth} × ${b.width} ${b.activation} on ${b.dataset}, learning rate ${b.learningRate}, ${b.epochs} epochs, seed ${b.seed}; median (range) of ${rounds.length} rounds.`,
    "",
    `- ${b.epochs} epochs, pictures included: ${range((r) => r.seconds, 2)} s (budget ≤ ${BUDGET.seconds} s in every round: ${worstSeconds <= BUDGET.seconds ? "meets" : "misses"})`,
    `- pictures while training: ${range((r) => r.pictures, 0)}, every ${range((r) => r.meanGapMs, 0)} ms on average; the longest gap ${range((r) => r.maxGapMs, 0)} ms (budget ≤ ${BUDGET.maxGapMs} ms, a picture at least twice a second, in every round: ${worstGap <= BUDGET.maxGapMs ? "meets" : "misses"})`,
    `- first picture after Train: ${range((r) => r.firstPictureMs, 0)} ms; training accuracy at the end ${range((r) => 100 * r.accuracy, 1)}%`,
  ];
}
