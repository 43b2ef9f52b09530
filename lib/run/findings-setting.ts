/**
 * Which run a notebook's findings come from, and the rule that keeps notebook 06 from mixing runs.
 *
 * Every findings record carries the profile its run was under and the notebook's parameters. Compared
 * with what the profile prescribes (the notebook's parameters cell with the profile's values over it,
 * lib/runner/applyParameters `profileParameters`), a record is either "at the profile" or "changed" (a --param,
 * or a parameters cell edited in Jupyter). 06 states its answer from one run of the book, so it refuses
 *   - a record of another profile than the one it reads,
 *   - a mix of records at the profile and records with changed parameters,
 *   - two records that share a parameter of the question's run (same name, same prescribed value,
 *     e.g. 01's and 02's `epochs`) but ran with different values of it,
 * and names the notebooks to run again. Records that all changed, consistently, are accepted: a reader
 * who re-runs 01–05 with other parameters gets a page about that run, which says what was changed.
 */
import * as path from "path";
import { projectRoot } from "../core/paths";
import { Params } from "../runner/params";
import { profileParameters } from "../runner/applyParameters";
import { loadProfiles } from "../runner/profiles";
import { defaultCacheDir } from "./cache";
import {
  FINDINGS_NOTEBOOKS,
  FindingsByNotebook,
  FindingsNotebook,
  FindingsRecord,
  findingsProfile,
  readFindings,
} from "./findings";

/** One parameter a run changed: what it ran with, and what its profile prescribes. */
export interface ChangedParameter {
  readonly name: string;
  readonly value: unknown;
  readonly expected: unknown;
}

export interface FindingsSetting {
  readonly notebook: FindingsNotebook;
  /** The profile the run was under (null: the defaults). */
  readonly profile: string | null;
  readonly recordedAt: string;
  /** Parameters whose recorded value differs from the profile's (empty: a run at the profile). */
  readonly changed: readonly ChangedParameter[];
  /** The profile's values of the parameters the record carries (for the shared-parameter rule). */
  readonly expected: Readonly<Record<string, unknown>>;
  readonly parameters: Readonly<Record<string, unknown>>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A record against its profile's values (`expected`: the notebook's parameters under that profile). */
export function settingOf(
  rec: Pick<FindingsRecord<FindingsNotebook>, "notebook" | "recordedAt" | "parameters" | "profile">,
  fallbackProfile: string | null,
  expected: Params,
): FindingsSetting {
  const profile = rec.profile === undefined ? fallbackProfile : rec.profile;
  const known = Object.keys(rec.parameters).filter((name) => name in expected);
  return {
    notebook: rec.notebook,
    profile,
    recordedAt: rec.recordedAt,
    changed: known
      .filter((name) => !same(rec.parameters[name], expected[name]))
      .map((name) => ({ name, value: rec.parameters[name], expected: expected[name] })),
    expected: Object.fromEntries(known.map((name) => [name, expected[name]])),
    parameters: rec.parameters,
  };
}

const profileName = (p: string | null) => (p === null ? "the default parameters" : `profile ${p}`);
const showValue = (v: unknown) => JSON.stringify(v);
const changes = (s: FindingsSetting) =>
  s.changed.map((c) => `${c.name} = ${showValue(c.value)} (${showValue(c.expected)} by the profile)`).join(", ");
const names = (xs: readonly FindingsSetting[]) => xs.map((s) => s.notebook).join(", ");

/** The rule (module comment): null when the records describe one run of the book, else what is mixed and the fix. */
export function mixedFindingsProblem(settings: readonly FindingsSetting[], profile: string | null): string | null {
  const run = (s: FindingsSetting) =>
    `npm run run -- notebooks/${s.notebook}.ipynb${profile === null ? "" : ` --profile ${profile}`}`;
  const foreign = settings.filter((s) => s.profile !== profile);
  if (foreign.length > 0)
    return (
      `06 reads the findings of ${profileName(profile)}, but ${foreign.map((s) => `${s.notebook} ran with ${profileName(s.profile)}`).join(", ")}. ` +
      `Run ${names(foreign)} again with ${profileName(profile)} (${foreign.map(run).join("; ")}).`
    );
  const changed = settings.filter((s) => s.changed.length > 0);
  const atProfile = settings.filter((s) => s.changed.length === 0);
  if (changed.length > 0 && atProfile.length > 0)
    return (
      `06 would mix runs: ${changed.map((s) => `${s.notebook} ran with ${changes(s)}`).join("; ")}, while ${names(atProfile)} ran with ${profileName(profile)}. ` +
      `Run ${names(changed)} again with ${profileName(profile)} (${changed.map(run).join("; ")}), or run every one of 01–05 with the same changes before 06.`
    );
  // Shared parameters: same name and same prescribed value in two notebooks, so the same run's setting.
  for (let i = 0; i < settings.length; i++) {
    for (let j = i + 1; j < settings.length; j++) {
      const [a, b] = [settings[i], settings[j]];
      const clash = Object.keys(a.expected).find(
        (n) => n in b.expected && same(a.expected[n], b.expected[n]) && !same(a.parameters[n], b.parameters[n]),
      );
      if (clash)
        return (
          `06 would mix runs: ${a.notebook} ran with ${clash} = ${showValue(a.parameters[clash])} and ${b.notebook} with ${clash} = ${showValue(b.parameters[clash])}, ` +
          `a parameter both take from the question's run. Run them again with the same value.`
        );
    }
  }
  return null;
}

/** 06 found findings of different runs (the message names the notebooks to run again). */
export class MixedFindingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MixedFindingsError";
  }
}

export type AllFindings = { readonly [N in FindingsNotebook]: FindingsRecord<N> };

export interface BookFindings {
  readonly records: AllFindings;
  readonly findings: { readonly [N in FindingsNotebook]: FindingsByNotebook[N] };
  readonly profile: string | null;
  readonly settings: readonly FindingsSetting[];
  /** One sentence for the page: which run, when, and what was changed. */
  readonly description: string;
}

export interface ReadAllOptions {
  /** Whose findings: a profile's name, null for the defaults; default: the profile this kernel runs under. */
  readonly profile?: string | null;
  readonly cacheDir?: string;
  /** Where the source notebooks are (their parameters cells give the defaults). */
  readonly notebooksDir?: string;
}

/** Read 01–05's findings of one run of the book; a mix is a MixedFindingsError, a missing one a MissingFindingsError. */
export function readAllFindings(opts: ReadAllOptions = {}): BookFindings {
  const profile = opts.profile === undefined ? findingsProfile() : opts.profile;
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const dir = opts.notebooksDir ?? path.join(projectRoot(), "notebooks");
  const records = Object.fromEntries(
    FINDINGS_NOTEBOOKS.map((nb) => [nb, readFindings(nb, cacheDir, profile)]),
  ) as unknown as AllFindings;
  const table = profile === null ? undefined : loadProfiles(path.join(dir, "profiles.json"));
  const settings = FINDINGS_NOTEBOOKS.map((nb) =>
    settingOf(records[nb], profile, profileParameters(path.join(dir, `${nb}.ipynb`), nb, profile, table)),
  );
  const problem = mixedFindingsProblem(settings, profile);
  if (problem) throw new MixedFindingsError(problem);
  const findings = Object.fromEntries(FINDINGS_NOTEBOOKS.map((nb) => [nb, records[nb].findings])) as {
    [N in FindingsNotebook]: FindingsByNotebook[N];
  };
  return { records, findings, profile, settings, description: describeFindings(settings, profile) };
}

/** "These findings come from the default parameters: 01–05 recorded 2026-12-02 08:01–08:09 UTC." */
export function describeFindings(settings: readonly FindingsSetting[], profile: string | null): string {
  const times = settings.map((s) => s.recordedAt).sort();
  const minute = (iso: string) => iso.slice(0, 16).replace("T", " ");
  const span = times.length === 0 ? "" : `${minute(times[0])}–${minute(times[times.length - 1]).slice(11)} UTC`;
  const changed = settings.filter((s) => s.changed.length > 0);
  return (
    `These findings come from one run of 01–05 with ${profileName(profile)}` +
    (changed.length > 0 ? `, changed: ${changed.map((s) => `${s.notebook} ${changes(s)}`).join("; ")}` : "") +
    ` (recorded ${span}; out/cache/findings/${profile === null ? "" : `${profile}/`}).`
  );
}
