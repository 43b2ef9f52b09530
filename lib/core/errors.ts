/**
 * Errors a user can act on. A ConfigError names the field, what was given,
 * and what is allowed, and is thrown before any tensor is made.
 */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly given: unknown,
    readonly allowed: string,
  ) {
    super(`Invalid ${field}: got ${show(given)}; expected ${allowed}.`);
    this.name = "ConfigError";
  }
}

/** Training produced a non-finite number: stop, say where, suggest the fix. */
export class DivergenceError extends Error {
  constructor(
    readonly step: number,
    readonly epoch: number,
    readonly what: string,
    readonly learningRate: number,
  ) {
    super(
      `Training diverged: ${what} became non-finite at step ${step} (epoch ${epoch}). ` +
        `Try a smaller learning rate than ${learningRate} (e.g. ${learningRate / 10}), ` +
        `or a smaller initial weight scale.`,
    );
    this.name = "DivergenceError";
  }
}

/**
 * The reader interrupted the work (the kernel's interrupt, SIGINT): training
 * stopped at a step boundary, nothing half-done was cached.
 */
export class InterruptedError extends Error {
  constructor(
    readonly step: number | null,
    readonly what = "training",
  ) {
    super(`Interrupted${step === null ? "" : ` at step ${step}`}: ${what} stopped; nothing was cached.`);
    this.name = "InterruptedError";
  }
}

/** A data file that is missing, truncated or not what it claims to be. */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    problem: string,
    fix: string,
  ) {
    super(`${file}: ${problem}. ${fix}`);
    this.name = "DataFileError";
  }
}

function show(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (Array.isArray(x)) return `[${x.map(show).join(", ")}]`;
  return String(x);
}
