/**
 * The `crowd:` section of challenge.yaml: what a volunteer's subject page shows, declared
 * rather than coded (issue 11). Pure: no I/O. Two steps, so that the structural rules can be
 * checked without the data files and the cross-checks wherever the columns are known:
 *
 *   parseCrowdConfig(raw)                         shape, formats, colours, unique keys
 *   checkCrowdConfig(config, { columns, classes }) names against the challenge's columns and classes
 *
 * Every problem is one line `crowd.<path>: <message>`, the path written as in the YAML
 * (`crowd.classes[2].key: used twice ("a")`).
 *
 * Number formats (`format:` of a feature):
 *   auto     fixed with 2 decimals, scientific with 2 when |v| < 1e-3 or >= 1e5 (the default; the X-ray card's rule)
 *   int      rounded to an integer
 *   fixed:N  N decimals (0..6)
 *   sci:N    scientific notation with N decimals (0..6)
 *   text     the cell as it is
 *   flag     yes/no from t/f, true/false, 1/0 (flags such as `sc_var_flag`)
 */
import { z } from 'zod';

export const NUMBER_FORMAT_RE = /^(auto|int|text|flag|fixed:[0-6]|sci:[0-6])$/;
const COLOUR_RE = /^#[0-9a-fA-F]{6}$/;
const FIELD_GUIDE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*\.md$/;

/** A zod error option: "is required" when the key is absent, `message` otherwise. */
const expected = (message: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : message) });

const text = z.string(expected('must be text')).trim().min(1, { message: 'must not be empty' });
const column = z.string(expected('must be a column name')).min(1, { message: 'must not be empty' });
const finite = z.number(expected('must be a number')).finite({ message: 'must be a finite number' });

export const featureSchema = z.strictObject({
  column,
  label: text.optional(),
  unit: text.optional(),
  format: z
    .string({ message: 'must be text' })
    .regex(NUMBER_FORMAT_RE, { message: 'must be auto, int, text, flag, fixed:N or sci:N (N from 0 to 6)' })
    .optional(),
  hint: text.optional(),
});

export const featureGroupSchema = z.strictObject({
  label: text,
  hint: text.optional(),
  columns: z.array(featureSchema, { message: 'must be a list' }).min(1, { message: 'must list at least one column' }),
});

const bandSchema = z
  .strictObject({
    column,
    label: text.optional(),
    /** Band edges in the plot's energy unit (keV for X-rays). */
    lo: finite.positive({ message: 'must be > 0' }),
    hi: finite.positive({ message: 'must be > 0' }),
  })
  .superRefine((b, ctx) => {
    if (b.hi <= b.lo) ctx.addIssue({ code: 'custom', path: ['hi'], message: `must be above lo (${b.lo})` });
  });

export const plotSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('spectrum'),
      title: text.optional(),
      /** Unit of the band fluxes, shown on the axis. */
      unit: text.default('erg/cm²/s'),
      energy_unit: text.default('keV'),
      bands: z
        .array(bandSchema, { message: 'must be a list' })
        .min(2, { message: 'must list at least 2 bands' })
        .superRefine((bands, ctx) => {
          for (let i = 1; i < bands.length; i++) {
            if (bands[i].lo < bands[i - 1].hi) ctx.addIssue({ code: 'custom', path: [i, 'lo'], message: `must not be below the previous band's hi (${bands[i - 1].hi}): list bands from low to high energy without overlap` });
          }
        }),
    }),
    z.strictObject({ kind: z.literal('sky'), title: text.optional(), ra: column, dec: column }),
    z.strictObject({ kind: z.literal('event'), title: text.optional(), prefix: text.default('PRI_') }),
    z.strictObject({
      kind: z.literal('histograms'),
      title: text.optional(),
      columns: z.array(column, { message: 'must be a list' }).min(1, { message: 'must list at least one column' }).max(8, { message: 'must list at most 8 columns' }),
      bins: z.int({ message: 'must be an integer' }).min(5, { message: 'must be at least 5' }).max(50, { message: 'must be at most 50' }).default(20),
    }),
  ],
  { message: 'must be one of spectrum, sky, event, histograms' },
);

export const classDisplaySchema = z.strictObject({
  name: z.union([z.string(), z.number()], { message: 'must be a class name' }).transform(String).pipe(text),
  display: text.optional(),
  colour: z.string({ message: 'must be a colour' }).regex(COLOUR_RE, { message: 'must be a colour #rrggbb' }).optional(),
  key: z
    .union([z.string(), z.number()], { message: 'must be one character' })
    .transform(String)
    .pipe(z.string().length(1, { message: 'must be exactly one character' }))
    .optional(),
});

export const clueRuleSchema = z
  .strictObject({
    column,
    between: z.tuple([finite, finite], { message: 'must be a list of two numbers [low, high]' }).optional(),
    above: finite.optional(),
    below: finite.optional(),
    /** Any measured value: a distance, a parallax (a bound of 0 would be cited as "at least 0", which says nothing). */
    present: z.literal(true, { message: 'must be true (the rule matches any measured value)' }).optional(),
    text,
  })
  .superRefine((r, ctx) => {
    const given = (['between', 'above', 'below', 'present'] as const).filter((k) => r[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', path: [], message: `needs exactly one of between, above, below, present (got ${given.length ? given.join(', ') : 'none'})` });
    if (r.between && r.between[0] > r.between[1]) ctx.addIssue({ code: 'custom', path: ['between'], message: `low (${r.between[0]}) must not be above high (${r.between[1]})` });
  });

/** One step of the first-visit tutorial: a short title and a paragraph or two of plain text (blank lines separate paragraphs). */
export const tutorialStepSchema = z.strictObject({ title: text, text });

/**
 * A value computed from columns, usable wherever a column name is (features, plots, clues), so
 * the X-ray card's derived quantities stay expressible:
 *   difference: [a, b]                 a − b (colours such as W1 − W2)
 *   hardness: [soft, hard]             (hard − soft) / (hard + soft)
 *   log10: a                           log₁₀ a (a > 0)
 *   xray_to_optical: { fluxes, mag }   log₁₀(Σ fluxes) + mag / 2.5 + 5.37 (Maccacaro et al. 1988, as src/crowd/features.ts)
 */
export const derivedSchema = z.union(
  [
    z.strictObject({ difference: z.tuple([column, column], { message: 'must be a list of two columns' }) }),
    z.strictObject({ hardness: z.tuple([column, column], { message: 'must be a list of two columns [soft, hard]' }) }),
    z.strictObject({ log10: column }),
    z.strictObject({ xray_to_optical: z.strictObject({ fluxes: z.array(column, { message: 'must be a list' }).min(1, { message: 'must list at least one column' }), mag: column }) }),
  ],
  { message: 'must be one of { difference: [a, b] }, { hardness: [soft, hard] }, { log10: a }, { xray_to_optical: { fluxes, mag } }' },
);
export type DerivedValue = z.output<typeof derivedSchema>;

/** The columns a derived value reads. */
export function derivedInputs(d: DerivedValue): string[] {
  if ('difference' in d) return [...d.difference];
  if ('hardness' in d) return [...d.hardness];
  if ('log10' in d) return [d.log10];
  return [...d.xray_to_optical.fluxes, d.xray_to_optical.mag];
}

export const crowdConfigSchema = z
  .strictObject({
    derived: z.record(z.string().min(1), derivedSchema, { message: 'must be a mapping of name to a derived value' }).default({}),
    /** Cell values meaning "not measured" besides empty/NaN (HiggsML: -999). */
    missing_values: z.array(finite, { message: 'must be a list of numbers' }).default([]),
    /**
     * Show each subject's id from the data as its name (catalogue names such as 2CXO J000150.5+233015);
     * otherwise "Subject <n>". Off unless declared: ids often tell training rows from test rows
     * (HiggsML's EventId ranges, "tr12" against "te12"), and known sources, training rows served as
     * live subjects, must look like any test row.
     */
    show_id: z.boolean({ message: 'must be true or false' }).default(false),
    /** A markdown file of the challenge folder, served at /crowd/<slug>/guide. A bare name, so it cannot point outside the folder; that it exists is checked on import. */
    field_guide: z.string({ message: 'must be a file name' }).regex(FIELD_GUIDE_RE, { message: 'must be the name of a markdown file in the challenge folder, such as field-guide.md (letters, digits, . _ -, ending in .md; no folders)' }).optional(),
    features: z.array(featureGroupSchema, { message: 'must be a list' }).default([]),
    plots: z.array(plotSchema, { message: 'must be a list' }).default([]),
    classes: z.array(classDisplaySchema, { message: 'must be a list' }).default([]),
    clues: z.record(z.string(), z.array(clueRuleSchema, { message: 'must be a list of rules' }), { message: 'must be a mapping of class name to rules' }).default({}),
    /** The first-visit tutorial's steps, in order (absent: one is built from the rest of the configuration). */
    tutorial: z.array(tutorialStepSchema, { message: 'must be a list of steps { title, text }' }).min(1, { message: 'must list at least one step' }).optional(),
  })
  .superRefine((c, ctx) => {
    const seenName = new Map<string, number>();
    const seenKey = new Map<string, number>();
    c.classes.forEach((k, i) => {
      if (seenName.has(k.name)) ctx.addIssue({ code: 'custom', path: ['classes', i, 'name'], message: `used twice (${JSON.stringify(k.name)})` });
      else seenName.set(k.name, i);
      if (k.key === undefined) return;
      if (seenKey.has(k.key)) ctx.addIssue({ code: 'custom', path: ['classes', i, 'key'], message: `used twice (${JSON.stringify(k.key)})` });
      else seenKey.set(k.key, i);
    });
  });

export type CrowdConfig = z.output<typeof crowdConfigSchema>;
export type CrowdFeature = z.output<typeof featureSchema>;
export type CrowdFeatureGroup = z.output<typeof featureGroupSchema>;
export type CrowdPlot = z.output<typeof plotSchema>;
export type CrowdClass = z.output<typeof classDisplaySchema>;
export type ClueRule = z.output<typeof clueRuleSchema>;
export type TutorialStep = z.output<typeof tutorialStepSchema>;

/** `['classes', 2, 'key']` as `crowd.classes[2].key`. */
export function crowdPath(path: readonly PropertyKey[]): string {
  let out = 'crowd';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

function typeMessage(iss: { code: string; expected?: string; input?: unknown }): string | undefined {
  if (iss.code !== 'invalid_type') return undefined;
  if (iss.input === undefined) return 'is required';
  const got = iss.input === null ? 'null' : Array.isArray(iss.input) ? 'a list' : typeof iss.input;
  return `must be ${iss.expected === 'array' ? 'a list' : iss.expected === 'object' || iss.expected === 'record' ? 'a mapping' : `a ${iss.expected}`}, got ${got}`;
}

export type CrowdParse = { ok: true; config: CrowdConfig } | { ok: false; problems: string[] };

/** Validates the raw `crowd:` value (as YAML gives it); `null`/absent is an empty section. */
export function parseCrowdConfig(raw: unknown): CrowdParse {
  const r = crowdConfigSchema.safeParse(raw ?? {}, { error: (iss) => typeMessage(iss as never) });
  if (r.success) return { ok: true, config: r.data };
  const problems: string[] = [];
  for (const iss of r.error.issues) {
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) problems.push(`${crowdPath([...iss.path, k])}: unknown key`);
    } else problems.push(`${crowdPath(iss.path)}: ${iss.message}`);
  }
  return { ok: false, problems };
}

export interface ChallengeColumns {
  /** Feature columns a volunteer may see (the test file's header: no target, weight or Usage). */
  columns: readonly string[];
  /** The challenge's classes. */
  classes: readonly string[];
}

/** Names in the configuration that the challenge does not have, one line each. */
export function checkCrowdConfig(config: CrowdConfig, challenge: ChallengeColumns): string[] {
  const problems: string[] = [];
  const real = new Set(challenge.columns);
  for (const [name, d] of Object.entries(config.derived)) {
    if (real.has(name)) problems.push(`${crowdPath(['derived', name])}: ${JSON.stringify(name)} is already a column of the challenge; choose another name`);
    for (const c of derivedInputs(d)) if (!real.has(c)) problems.push(`${crowdPath(['derived', name])}: no column ${JSON.stringify(c)} in the challenge's test data`);
  }
  const known = new Set([...challenge.columns, ...Object.keys(config.derived)]);
  const classes = new Set(challenge.classes);
  const needColumn = (name: string, path: PropertyKey[]) => {
    if (!known.has(name)) problems.push(`${crowdPath(path)}: no column ${JSON.stringify(name)} in the challenge's test data`);
  };
  config.features.forEach((g, i) => g.columns.forEach((f, j) => needColumn(f.column, ['features', i, 'columns', j, 'column'])));
  config.plots.forEach((p, i) => {
    if (p.kind === 'spectrum') p.bands.forEach((b, j) => needColumn(b.column, ['plots', i, 'bands', j, 'column']));
    else if (p.kind === 'sky') {
      needColumn(p.ra, ['plots', i, 'ra']);
      needColumn(p.dec, ['plots', i, 'dec']);
    } else if (p.kind === 'histograms') p.columns.forEach((c, j) => needColumn(c, ['plots', i, 'columns', j]));
    else if (!challenge.columns.some((c) => c.startsWith(p.prefix))) problems.push(`${crowdPath(['plots', i, 'prefix'])}: no column starts with ${JSON.stringify(p.prefix)}`);
  });
  const classList = `(${challenge.classes.join(', ')})`;
  config.classes.forEach((c, i) => {
    if (!classes.has(c.name)) problems.push(`${crowdPath(['classes', i, 'name'])}: ${JSON.stringify(c.name)} is not one of the challenge's classes ${classList}`);
  });
  for (const [name, rules] of Object.entries(config.clues)) {
    if (!classes.has(name)) problems.push(`${crowdPath(['clues', name])}: ${JSON.stringify(name)} is not one of the challenge's classes ${classList}`);
    rules.forEach((r, j) => needColumn(r.column, ['clues', name, j, 'column']));
  }
  return problems;
}
