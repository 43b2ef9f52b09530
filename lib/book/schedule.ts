/**
 * Executing several notebooks at once (`npm start -- --jobs N`).
 *
 * A notebook's kernel uses both cores only in its parallel phases (the worker
 * pool's sweeps and seeds); between them one core idles. Two kernels at once
 * fill those gaps. A notebook that reads what another one writes — a cached
 * training run or recorded findings — declares it in its metadata
 * (`metadata.sigmoid_lab.needs: ["01-train"]`) and starts only after that one
 * finished; without the declaration both would train the same cache entry.
 * Notebooks start in plan order as soon as their needs are met; after a
 * failure nothing new starts, the running ones finish.
 */

export interface Schedulable {
  readonly name: string;
  /** Names of notebooks this one reads from; only those executed in the same run are waited for. */
  readonly needs: readonly string[];
}

export interface ScheduleOutcome {
  /** Names in the order they finished. */
  readonly finished: string[];
  /** The first failure's error, if any; later ones are not run. */
  readonly failure: { name: string; error: unknown } | null;
  /** Names never started because of a failure. */
  readonly skipped: string[];
}

/** Checks that every need names a known notebook and that needs have no cycle; returns the error text or null. */
export function needsProblem(items: readonly Schedulable[], known: readonly string[]): string | null {
  const names = new Set(known);
  for (const it of items)
    for (const n of it.needs)
      if (!names.has(n))
        return `${it.name} declares needs "${n}" in metadata.sigmoid_lab.needs, but there is no notebook of that name (have: ${known.join(", ")}).`;
  const byName = new Map(items.map((it) => [it.name, it]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]): string | null => {
    if (state.get(name) === "done") return null;
    if (state.get(name) === "visiting") return `notebooks need each other in a cycle: ${[...path, name].join(" → ")}.`;
    state.set(name, "visiting");
    for (const n of byName.get(name)?.needs ?? []) {
      const p = visit(n, [...path, name]);
      if (p) return p;
    }
    state.set(name, "done");
    return null;
  };
  for (const it of items) {
    const p = visit(it.name, []);
    if (p) return p;
  }
  return null;
}

/** Runs `run` for every item, at most `concurrency` at once, each after the items it needs. */
export async function runScheduled<T extends Schedulable>(
  items: readonly T[],
  concurrency: number,
  run: (item: T) => Promise<void>,
): Promise<ScheduleOutcome> {
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new RangeError(`concurrency must be a positive integer; got ${concurrency}`);
  const inRun = new Set(items.map((it) => it.name));
  const pending = [...items];
  const done = new Set<string>();
  const finished: string[] = [];
  let failure: ScheduleOutcome["failure"] = null;
  let running = 0;

  return new Promise((resolve) => {
    const ready = (it: T) => it.needs.every((n) => !inRun.has(n) || done.has(n));
    const pump = () => {
      while (!failure && running < concurrency) {
        const i = pending.findIndex(ready);
        if (i < 0) break;
        const [it] = pending.splice(i, 1);
        running++;
        run(it)
          .then(
            () => {
              done.add(it.name);
              finished.push(it.name);
            },
            (error: unknown) => {
              failure ??= { name: it.name, error };
              finished.push(it.name);
            },
          )
          .finally(() => {
            running--;
            pump();
          });
      }
      if (running === 0) resolve({ finished, failure, skipped: pending.map((it) => it.name) });
    };
    pump();
  });
}
