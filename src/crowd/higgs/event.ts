/**
 * The physics objects of one HiggsML event, read from its PRI_* columns (HiggsML documentation v1.5,
 * appendix B): the hadronic tau, the lepton, up to two jets and the missing transverse energy (MET).
 * Units are GeV; φ is in radians in [−π, π[; −999 (or a missing/NaN value) means "undefined", which
 * for an object means it does not exist in this event and must not be drawn.
 */

/** One HiggsML row: column name → value. Columns not given count as undefined. */
export type HiggsRow = Readonly<Record<string, number | null | undefined>>;

export type ObjectKind = 'tau' | 'lepton' | 'leading-jet' | 'subleading-jet' | 'met';

export interface PhysicsObject {
  kind: ObjectKind;
  name: string;
  /** Okabe–Ito colours: distinct for colour-blind readers, and the MET is also drawn dashed. */
  colour: string;
  /** Transverse momentum in GeV (for the MET: its magnitude). */
  pt: number;
  /** Pseudorapidity; null for the MET, which lives in the transverse plane only. */
  eta: number | null;
  /** Azimuth in radians. */
  phi: number;
}

export interface HiggsEvent {
  /** Present objects only, in the order tau, lepton, leading jet, subleading jet, MET. */
  objects: PhysicsObject[];
  /** PRI_jet_num (0–3, 3 meaning "three or more"); null when the column is missing. */
  jetCount: number | null;
  /** PRI_jet_all_pt: the scalar sum of all jets' pT, including jets beyond the two drawn; null if missing. */
  jetsAllPt: number | null;
  /** A plain description of the jets: "no jets", "one jet", "two jets", "three or more jets". */
  jetsDescription: string;
}

/** The documentation's marker for an undefined value. */
export const UNDEFINED_VALUE = -999;

/** A value, or null when it is missing, not finite or the documentation's −999. */
export function definedValue(row: HiggsRow, column: string): number | null {
  const v = row[column];
  if (v === null || v === undefined || !Number.isFinite(v) || v === UNDEFINED_VALUE) return null;
  return v;
}

interface ObjectSpec {
  kind: ObjectKind;
  name: string;
  colour: string;
  pt: string;
  eta: string | null;
  phi: string;
}

const OBJECT_SPECS: ObjectSpec[] = [
  { kind: 'tau', name: 'hadronic tau', colour: '#D55E00', pt: 'PRI_tau_pt', eta: 'PRI_tau_eta', phi: 'PRI_tau_phi' },
  { kind: 'lepton', name: 'lepton (e or μ)', colour: '#0072B2', pt: 'PRI_lep_pt', eta: 'PRI_lep_eta', phi: 'PRI_lep_phi' },
  { kind: 'leading-jet', name: 'leading jet', colour: '#009E73', pt: 'PRI_jet_leading_pt', eta: 'PRI_jet_leading_eta', phi: 'PRI_jet_leading_phi' },
  { kind: 'subleading-jet', name: 'subleading jet', colour: '#CC79A7', pt: 'PRI_jet_subleading_pt', eta: 'PRI_jet_subleading_eta', phi: 'PRI_jet_subleading_phi' },
  { kind: 'met', name: 'missing transverse energy', colour: '#000000', pt: 'PRI_met', eta: null, phi: 'PRI_met_phi' },
];

const JET_WORDS = ['no jets', 'one jet', 'two jets', 'three or more jets'];

export function jetsDescription(jetCount: number | null): string {
  if (jetCount === null) return 'number of jets unknown';
  return JET_WORDS[Math.min(3, Math.max(0, Math.round(jetCount)))];
}

/** The event's objects; an object whose pT, η (where it has one) or φ is undefined is left out. */
export function higgsEvent(row: HiggsRow): HiggsEvent {
  const objects: PhysicsObject[] = [];
  for (const spec of OBJECT_SPECS) {
    const pt = definedValue(row, spec.pt);
    const phi = definedValue(row, spec.phi);
    const eta = spec.eta === null ? null : definedValue(row, spec.eta);
    if (pt === null || phi === null || (spec.eta !== null && eta === null)) continue;
    objects.push({ kind: spec.kind, name: spec.name, colour: spec.colour, pt, eta, phi });
  }
  const jetCount = definedValue(row, 'PRI_jet_num');
  return { objects, jetCount, jetsAllPt: definedValue(row, 'PRI_jet_all_pt'), jetsDescription: jetsDescription(jetCount) };
}

/** Parses one CSV row's cells into a HiggsRow (non-numeric cells such as Label become NaN, i.e. absent). */
export function higgsRowOf(header: readonly string[], cells: readonly string[]): HiggsRow {
  const row: Record<string, number> = {};
  header.forEach((column, i) => {
    const cell = cells[i]?.trim() ?? '';
    row[column] = cell === '' ? NaN : Number(cell);
  });
  return row;
}
