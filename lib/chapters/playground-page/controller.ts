/**
 * Chapter: the book's playground page (07) — Train, Pause, Reset.
 *
 * Training runs one epoch per call of the session, so the page can stop
 * between any two epochs and go on exactly where it stopped (the numbers do
 * not depend on where the reader paused). Between epochs the loop gives the
 * browser a turn (clicks, painting); the pictures are redrawn at most every
 * DRAW_MS, and always when training stops. Changing a setting stops training
 * and starts a new network (07's untrained picture of it), except "train
 * until epoch", which only moves the goal.
 */
import { ConfigError } from "../../core/errors";
import { curvesTakeaway, drawCurves, saturationTakeaway } from "./curves";
import { PlaygroundSession } from "./session";
import { CONTROLS, PageSettings, SettingName, readSettings } from "./settings";
import { PageView, StatusLine, controlValues, drawNumbers, drawStatus, drawTiles, showErrors, showFix } from "./view";
import { takeawayHtml } from "../../display/show";

/** Pictures at least this far apart while training (4 per second at most). */
export const DRAW_MS = 250;

/**
 * Drawing (a picture of the plane, 07's tiles, the table, three plotly
 * charts) gets at most 1 / (1 + DRAW_SHARE) of the wall time: the next picture
 * waits DRAW_SHARE times as long as the last one took to draw. On a free
 * core a picture takes well under 125 ms, so the pictures still come every
 * DRAW_MS; on a slow or busy machine they come less often and training keeps
 * two thirds of the time, instead of drawing most of it.
 */
export const DRAW_SHARE = 2;

/** How many draw times the controller keeps for status(). */
const KEEP_DRAWS = 2000;

/** A turn for the browser: a task boundary (clicks, painting) without setTimeout's 4 ms clamp. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export class PlaygroundController {
  session: PlaygroundSession | null = null;
  settings: PageSettings | null = null;
  /** Train until this epoch. */
  target = 0;
  /** performance.now() of every picture drawn while training (for the page's tests: the update rate). */
  readonly drawTimes: number[] = [];
  /** How long each of those pictures took to draw, in ms. */
  readonly drawCosts: number[] = [];
  private running = false;
  private loop: Promise<void> | null = null;
  private lastDraw = -Infinity;
  /** Wait at least this long after lastDraw before the next picture (DRAW_MS, or longer when drawing is slow). */
  private drawGap = DRAW_MS;
  private applied = "";
  private status: StatusLine = { state: "ready" };

  constructor(private readonly view: PageView) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Read the controls: a new network for new settings (after stopping), or the library's errors next to the controls. */
  async applyControls(force = false): Promise<boolean> {
    const values = controlValues(this.view);
    const key = JSON.stringify(CONTROLS.filter((c) => c.resets).map((c) => values[c.name]));
    const read = readSettings(values);
    showErrors(this.view, read.ok ? {} : read.errors);
    showFix(this.view, values.fix ?? "");
    if (read.ok && !force && key === this.applied && this.session) {
      this.settings = read.settings;
      this.target = read.settings.epochs; // only "train until epoch" changed
      this.drawStatus();
      return true;
    }
    await this.pause();
    this.session?.dispose();
    this.session = null;
    this.applied = key;
    if (!read.ok) {
      this.settings = null;
      this.status = {
        state: "invalid",
        message: "Fix the settings marked above: the network is not built until they are valid.",
      };
      this.drawStatus();
      return false;
    }
    this.settings = read.settings;
    this.target = read.settings.epochs;
    try {
      this.session = new PlaygroundSession(read.config);
      this.status = { state: "ready" };
    } catch (e) {
      this.status = { state: e instanceof ConfigError ? "invalid" : "error", message: (e as Error).message };
    }
    this.draw();
    return this.session !== null;
  }

  /** Train until the goal (extended by the epochs setting when it was reached); resolves when training stops. */
  train(): Promise<void> {
    const s = this.session;
    if (!s || s.divergence) return Promise.resolve();
    if (this.running && this.loop) return this.loop;
    if (s.epoch >= this.target) this.target = s.epoch + (this.settings?.epochs ?? 1);
    this.running = true;
    this.loop = this.runLoop(s).finally(() => {
      this.running = false;
      this.loop = null;
    });
    return this.loop;
  }

  /** Stop after the epoch being trained; resolves when it has stopped. */
  async pause(message?: string): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (this.loop) await this.loop;
    if (wasRunning && message && this.session) {
      this.status = { state: "paused", message };
      this.drawStatus();
    }
  }

  private async runLoop(s: PlaygroundSession): Promise<void> {
    const t0 = performance.now(),
      e0 = s.epoch;
    const speed = () => (s.epoch - e0) / Math.max(1e-3, (performance.now() - t0) / 1000);
    this.status = { state: "training" };
    this.drawStatus();
    try {
      while (this.running && s.epoch < this.target && !s.divergence) {
        await s.trainEpochs(1, (step) => this.drawDuringEpoch(s, step, speed()));
        if (this.drawDue()) {
          this.status = { state: "training", epochsPerSecond: speed() };
          this.draw(true);
        }
        await nextTask();
      }
      const state = s.divergence ? "diverged" : s.epoch >= this.target ? "done" : "paused";
      this.status = { state, message: s.divergence?.message, epochsPerSecond: speed() };
    } catch (e) {
      this.status = { state: "error", message: (e as Error).message };
      throw e;
    } finally {
      if (this.session === s) this.draw(true);
    }
  }

  /** A long epoch (tiny batches, wide layers): the tiles and the step counter still move. */
  private drawDuringEpoch(s: PlaygroundSession, step: number, epochsPerSecond: number): void {
    if (!this.drawDue()) return;
    const t0 = performance.now();
    drawTiles(this.view, s, s.picture());
    drawStatus(this.view, s, this.target, { state: "training", step, epochsPerSecond });
    this.drawn(t0, true);
  }

  private drawDue(): boolean {
    return performance.now() - this.lastDraw >= this.drawGap;
  }

  /** Note a picture that started at t0: when it was drawn, what it cost, and so when the next one is due. */
  private drawn(t0: number, training: boolean): void {
    const now = performance.now();
    this.lastDraw = now;
    this.drawGap = Math.max(DRAW_MS, DRAW_SHARE * (now - t0));
    if (!training) return;
    this.drawTimes.push(now);
    this.drawCosts.push(now - t0);
    if (this.drawTimes.length > KEEP_DRAWS) {
      this.drawTimes.shift();
      this.drawCosts.shift();
    }
  }

  private drawStatus(): void {
    drawStatus(this.view, this.session, this.target, this.status);
  }

  /** Everything, from the session as it is now. */
  draw(training = false): void {
    const s = this.session;
    this.drawStatus();
    if (!s) return;
    const t0 = performance.now();
    const moment = s.picture();
    drawTiles(this.view, s, moment);
    drawNumbers(this.view, s, moment);
    drawCurves(this.view.charts, s, this.target);
    this.view.takeaways.curves.innerHTML = takeawayHtml(curvesTakeaway(s));
    this.view.takeaways.saturation.innerHTML = takeawayHtml(saturationTakeaway(s));
    this.drawn(t0, training);
  }

  /** Redraw the curves in the page's colours (after a theme switch). */
  redrawCurves(): void {
    if (this.session) drawCurves(this.view.charts, this.session, this.target);
  }
}

export type { SettingName };
