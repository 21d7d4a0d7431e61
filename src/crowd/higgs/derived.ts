/**
 * The derived-quantities side panel of the HiggsML event display, as data: five DER_* columns with
 * their unit and a plain-language hint paraphrased from the HiggsML documentation v1.5 (appendix B).
 */
import { definedValue, type HiggsRow } from './event.js';

export interface DerivedQuantity {
  column: string;
  label: string;
  /** Null when the documentation's −999 (or a missing value) says it cannot be computed here. */
  value: number | null;
  /** "GeV", or "" for a pure number. */
  unit: string;
  /** The value as the panel prints it, or "not computable for this event". */
  display: string;
  hint: string;
}

export const NOT_COMPUTABLE = 'not computable for this event';

interface DerivedSpec {
  column: string;
  label: string;
  unit: string;
  digits: number;
  hint: string;
}

const DERIVED_SPECS: DerivedSpec[] = [
  {
    column: 'DER_mass_MMC',
    label: 'Estimated Higgs-candidate mass (MMC)',
    unit: 'GeV',
    digits: 1,
    hint: 'The best guess of the mass of the particle that decayed into the two taus, allowing for the invisible neutrinos. A Higgs gives about 125 GeV, a Z about 91 GeV. It cannot be computed when the event looks too unlike two taus.',
  },
  {
    column: 'DER_mass_vis',
    label: 'Visible mass (tau + lepton)',
    unit: 'GeV',
    digits: 1,
    hint: 'The mass of the hadronic tau and the lepton together. Neutrinos carry some energy away unseen, so it is below the mass of the particle that decayed.',
  },
  {
    column: 'DER_mass_transverse_met_lep',
    label: 'Transverse mass (lepton + missing energy)',
    unit: 'GeV',
    digits: 1,
    hint: 'The mass of the lepton and the missing energy, seen in the transverse plane only. It is small when the missing energy follows the taus, and large (up to about 80 GeV) when a W boson decayed into the lepton and a neutrino.',
  },
  {
    column: 'DER_deltar_tau_lep',
    label: 'Separation of tau and lepton (ΔR)',
    unit: '',
    digits: 2,
    hint: 'How far apart the hadronic tau and the lepton are in the detector, combining the η and φ differences. Near 3 (about π) they are back to back; small when the decaying particle was moving fast.',
  },
  {
    column: 'DER_pt_h',
    label: 'Transverse momentum of the candidate (pT of tau + lepton + missing energy)',
    unit: 'GeV',
    digits: 1,
    hint: 'How fast the particle that decayed into the two taus moved across the beam: the size of the vector sum of the tau, the lepton and the missing energy.',
  },
];

/** The five panel rows for one event, in the documentation's order of importance for the eye. */
export function derivedQuantities(row: HiggsRow): DerivedQuantity[] {
  return DERIVED_SPECS.map(({ column, label, unit, digits, hint }) => {
    const value = definedValue(row, column);
    const display = value === null ? NOT_COMPUTABLE : `${value.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
    return { column, label, value, unit, display, hint };
  });
}
