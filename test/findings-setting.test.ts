/**
 * Notebook 06 reads one run of the book (issue 19): a record at its profile, a record with changed
 * parameters and a record of another profile are told apart from the notebooks' own parameters cells,
 * and a mix is refused with the notebooks to run again.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { profileParameters } from "../lib/runner/applyParameters";
import { FINDINGS_NOTEBOOKS, FindingsNotebook, recordFindings } from "../lib/run/findings";
import {
  FindingsSetting,
  MixedFindingsError,
  mixedFindingsProblem,
  readAllFindings,
  settingOf,
} from "../lib/run/findings-setting";
import { MissingFindingsError } from "../lib/run/findings";

const NOTEBOOKS = path.join(__dirname, "..", "notebooks");
const expected = (nb: FindingsNotebook, profile: string | null) =>
  profileParameters(path.join(NOTEBOOKS, `${nb}.ipynb`), nb, profile);

test("profileParameters: a notebook's parameters cell, with a profile's values over it", () => {
  const def = expected("01-train", null);
  assert.equal(def.width, 256);
  assert.equal(def.epochs, 10);
  assert.equal(def.plateauEpochs, 2);
  const quick = expected("01-train", "quick");
  assert.deepEqual([quick.width, quick.epochs, quick.plateauEpochs, quick.learningRate], [64, 2, 1, 1]);
  // "*" values apply only where declared: 05 declares no `epochs`, and keeps its own width under the defaults.
  assert.equal("epochs" in expected("05-fixes", "quick"), false);
  assert.equal(expected("05-fixes", null).width, 64);
  assert.deepEqual(expected("03-causal", null).dosePasses, [1, 4, 16]);
  assert.throws(() => expected("01-train", "nope"), /Unknown profile "nope"/);
});

const setting = (
  nb: FindingsNotebook,
  profile: string | null,
  changes: Record<string, unknown> = {},
  recordedAs = profile,
) =>
  settingOf(
    {
      notebook: nb,
      recordedAt: "2026-12-02T08:00:00.000Z",
      parameters: { ...expected(nb, profile), ...changes },
      profile: recordedAs,
    },
    null,
    expected(nb, recordedAs),
  );
const book = (profile: string | null, patch: Partial<Record<FindingsNotebook, FindingsSetting>> = {}) =>
  FINDINGS_NOTEBOOKS.map((nb) => patch[nb] ?? setting(nb, profile));

test("mixedFindingsProblem: one run of the book passes, a mix is named with the notebooks to run again", () => {
  assert.equal(mixedFindingsProblem(book(null), null), null, "the default run");
  assert.equal(mixedFindingsProblem(book("quick"), "quick"), null, "the quick run");
  // 01 default, 02 with the quick profile's values typed into its parameters cell: a mix.
  const quickish = setting("02-activations", null, expected("02-activations", "quick"));
  assert.deepEqual(
    quickish.changed.find((c) => c.name === "width"),
    { name: "width", value: 64, expected: 256 },
  );
  assert.ok(!quickish.changed.some((c) => c.name === "learningRate"), "a parameter quick leaves alone is unchanged");
  const mixed = mixedFindingsProblem(book(null, { "02-activations": quickish }), null);
  assert.ok(mixed, "a mix is refused");
  assert.match(mixed!, /02-activations ran with width = 64 \(256 by the profile\)/);
  assert.match(mixed!, /npm run run -- notebooks\/02-activations\.ipynb\)/);
  assert.match(mixed!, /while 01-train, 03-causal, 04-bound, 05-fixes ran with the default parameters/);
  // A record of another profile.
  const foreign = mixedFindingsProblem(book(null, { "04-bound": setting("04-bound", "quick") }), null);
  assert.match(foreign!, /04-bound ran with profile quick/);
  assert.match(foreign!, /Run 04-bound again with the default parameters/);
  const foreignQuick = mixedFindingsProblem(book("quick", { "01-train": setting("01-train", null) }), "quick");
  assert.match(foreignQuick!, /npm run run -- notebooks\/01-train\.ipynb --profile quick/);
});

test("mixedFindingsProblem: every notebook changed alike passes; a shared parameter with two values does not", () => {
  const epochs3 = (nb: FindingsNotebook) => ("epochs" in expected(nb, null) ? { epochs: 3 } : { steps: 100 });
  const allChanged = FINDINGS_NOTEBOOKS.map((nb) => setting(nb, null, epochs3(nb)));
  assert.equal(mixedFindingsProblem(allChanged, null), null);
  // 01 and 02 share the question run's epochs (both 10 by default): 3 and 5 cannot describe one network.
  const clash = mixedFindingsProblem(
    [...allChanged.slice(0, 1), setting("02-activations", null, { epochs: 5 }), ...allChanged.slice(2)],
    null,
  );
  assert.match(clash!, /01-train ran with epochs = 3 and 02-activations with epochs = 5/);
  // 05's width is its own (64 by default, not the question's 256): different values there are no clash.
  assert.equal(setting("05-fixes", null).changed.length, 0);
  assert.equal(mixedFindingsProblem(book(null), null), null);
});

test("readAllFindings: reads one profile's folder, describes the run, refuses a mix and a missing notebook", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sl-findings-"));
  const saved = process.env.SIGMOID_LAB_PROFILE;
  try {
    const write = (profile: string | null, nb: FindingsNotebook, params = expected(nb, profile)) => {
      if (profile === null) delete process.env.SIGMOID_LAB_PROFILE;
      else process.env.SIGMOID_LAB_PROFILE = profile;
      recordFindings(nb, params, { notebook: nb } as never, dir);
    };
    for (const nb of FINDINGS_NOTEBOOKS) write(null, nb);
    assert.throws(() => readAllFindings({ cacheDir: dir, profile: "quick" }), MissingFindingsError);
    for (const nb of FINDINGS_NOTEBOOKS) write("quick", nb);
    delete process.env.SIGMOID_LAB_PROFILE;
    const def = readAllFindings({ cacheDir: dir, profile: null });
    assert.match(
      def.description,
      /^These findings come from one run of 01–05 with the default parameters \(recorded \d{4}-\d\d-\d\d \d\d:\d\d–\d\d:\d\d UTC; out\/cache\/findings\/\)\.$/,
    );
    assert.deepEqual(
      def.settings.map((s) => s.profile),
      [null, null, null, null, null],
    );
    const quick = readAllFindings({ cacheDir: dir, profile: "quick" });
    assert.match(quick.description, /with profile quick .*findings\/quick\//);
    // The kernel's profile is the default: SIGMOID_LAB_PROFILE.
    process.env.SIGMOID_LAB_PROFILE = "quick";
    assert.equal(readAllFindings({ cacheDir: dir }).profile, "quick");
    // 02 re-run in Jupyter with its quick values typed in, into the default folder: refused.
    write(null, "02-activations", expected("02-activations", "quick"));
    assert.throws(
      () => readAllFindings({ cacheDir: dir, profile: null }),
      (e: Error) => e instanceof MixedFindingsError && /02-activations ran with/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.SIGMOID_LAB_PROFILE;
    else process.env.SIGMOID_LAB_PROFILE = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
