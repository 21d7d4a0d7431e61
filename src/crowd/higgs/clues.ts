/**
 * Feedback clues for a HiggsML training event, computed from this event's own values (never from its
 * label): each names the value, the range it falls in and which way it points. The thresholds are
 * physics (HiggsML documentation v1.5, §3.2–3.3) checked against the demo's training file, where
 * e.g. 64 % of events with an MMC mass in 110–140 GeV are signal against 34 % overall.
 */
import { definedValue, type HiggsRow } from './event.js';

export type ClueDirection = 'signal' | 'background';

export interface HiggsClue {
  id: string;
  text: string;
  points: ClueDirection;
}

/** The simulated Higgs mass (documentation §3.3). */
export const HIGGS_MASS_GEV = 125;
/** The Z mass (documentation §3.3, 91.2 GeV; quoted as 91). */
export const Z_MASS_GEV = 91;
/** The W mass: a W → ℓν decay gives a transverse mass up to about this. */
export const W_MASS_GEV = 80;
// The MMC resolution is a few tens of GeV (§3.2: the Z and H peaks are about one resolution apart), so
// a window of ±15 GeV keeps the Higgs peak and leaves most of the Z peak out.
export const HIGGS_MASS_WINDOW_GEV = 15;
// Z → ττ is by far the most common look-alike; ±10 GeV around 91 is its peak, not the Higgs's.
export const Z_MASS_WINDOW_GEV = 10;
// Far above the Higgs, the candidate is top pairs or a mis-reconstruction, not a 125 GeV particle.
export const MMC_FAR_ABOVE_GEV = 175;
// The neutrinos take a share of each tau's energy, so a 125 GeV Higgs leaves roughly 80–110 GeV visible,
// while Z → ττ (lighter parent) mostly leaves less than 60 and top pairs or W + jets often leave more than 120.
export const VISIBLE_MASS_HIGGS_RANGE_GEV: readonly [number, number] = [80, 110];
export const VISIBLE_MASS_LOW_GEV = 60;
export const VISIBLE_MASS_HIGH_GEV = 120;
// In H → ττ the lepton's neutrinos travel with it, so its transverse mass with the MET stays small;
// a W → ℓν decay puts the lepton and the neutrino back to back, with a transverse mass near the W's.
export const TRANSVERSE_MASS_LOW_GEV = 40;
export const TRANSVERSE_MASS_HIGH_GEV = 60;
// When the tau and the lepton are nearly back to back, "the smaller angle between them" flips side with a
// hundredth of a radian, so the MET direction says nothing: no clue within this much of π.
export const BACK_TO_BACK_TOLERANCE_RAD = 0.15;
// A Higgs produced with hard jets (vector-boson fusion, gluon radiation) recoils fast; backgrounds are softer.
export const BOOSTED_PT_H_GEV = 100;

/** An angle brought back to [−π, π[. */
export function wrapAngle(a: number): number {
  const w = (((a + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  return w - Math.PI;
}

/** Whether φ lies within the smaller angle between φa and φb (ends included). */
export function phiBetween(phi: number, phiA: number, phiB: number): boolean {
  const span = wrapAngle(phiB - phiA);
  const offset = wrapAngle(phi - phiA);
  return span >= 0 ? offset >= 0 && offset <= span : offset <= 0 && offset >= span;
}

const gev = (v: number) => `${Math.round(v)} GeV`;

/** The clues this event's values support, strongest first; an event may have none. */
export function higgsClues(row: HiggsRow): HiggsClue[] {
  const clues: HiggsClue[] = [];
  const mmc = definedValue(row, 'DER_mass_MMC');
  const mmcColumnGiven = row.DER_mass_MMC !== undefined && row.DER_mass_MMC !== null;
  if (mmc === null && mmcColumnGiven) {
    // Documentation: undefined "if the topology of the event is too far from the expected topology".
    clues.push({ id: 'mmc-undefined', points: 'background', text: 'the MMC mass cannot be computed: the event does not look like two taus from one particle' });
  } else if (mmc === null) {
    // no MMC column at all: nothing to say
  } else if (Math.abs(mmc - HIGGS_MASS_GEV) <= HIGGS_MASS_WINDOW_GEV) {
    clues.push({ id: 'mmc-near-higgs', points: 'signal', text: `the MMC mass is ${gev(mmc)}, close to the Higgs mass (${HIGGS_MASS_GEV} GeV)` });
  } else if (Math.abs(mmc - Z_MASS_GEV) <= Z_MASS_WINDOW_GEV) {
    clues.push({ id: 'mmc-near-z', points: 'background', text: `the MMC mass is ${gev(mmc)}, close to the Z mass (${Z_MASS_GEV} GeV): typical of Z → ττ` });
  } else if (mmc < Z_MASS_GEV - Z_MASS_WINDOW_GEV) {
    clues.push({ id: 'mmc-low', points: 'background', text: `the MMC mass is ${gev(mmc)}, well below the Higgs mass (${HIGGS_MASS_GEV} GeV)` });
  } else if (mmc > MMC_FAR_ABOVE_GEV) {
    clues.push({ id: 'mmc-high', points: 'background', text: `the MMC mass is ${gev(mmc)}, far above the Higgs mass (${HIGGS_MASS_GEV} GeV)` });
  }

  const [tauPhi, lepPhi, metPhi] = [definedValue(row, 'PRI_tau_phi'), definedValue(row, 'PRI_lep_phi'), definedValue(row, 'PRI_met_phi')];
  const backToBack = tauPhi !== null && lepPhi !== null && Math.PI - Math.abs(wrapAngle(lepPhi - tauPhi)) < BACK_TO_BACK_TOLERANCE_RAD;
  if (tauPhi !== null && lepPhi !== null && metPhi !== null && !backToBack) {
    clues.push(
      phiBetween(metPhi, tauPhi, lepPhi)
        ? { id: 'met-between', points: 'signal', text: 'the missing energy points between the tau and the lepton, as when both taus\u2019 neutrinos follow them' }
        : { id: 'met-outside', points: 'background', text: 'the missing energy points outside the angle between the tau and the lepton, unlike two taus from one particle' },
    );
  }

  const mt = definedValue(row, 'DER_mass_transverse_met_lep');
  if (mt !== null && mt < TRANSVERSE_MASS_LOW_GEV) {
    clues.push({ id: 'mt-low', points: 'signal', text: `the transverse mass of the lepton and the missing energy is ${gev(mt)}, small (below ${TRANSVERSE_MASS_LOW_GEV} GeV) as when the neutrinos come from the taus` });
  } else if (mt !== null && mt > TRANSVERSE_MASS_HIGH_GEV) {
    clues.push({ id: 'mt-high', points: 'background', text: `the transverse mass of the lepton and the missing energy is ${gev(mt)}, large (above ${TRANSVERSE_MASS_HIGH_GEV} GeV) as in a W decay (W mass ${W_MASS_GEV} GeV)` });
  }

  const vis = definedValue(row, 'DER_mass_vis');
  const [visLo, visHi] = VISIBLE_MASS_HIGGS_RANGE_GEV;
  if (vis !== null && vis >= visLo && vis <= visHi) {
    clues.push({ id: 'vis-higgs-range', points: 'signal', text: `the visible mass is ${gev(vis)}, in the ${visLo}–${visHi} GeV a Higgs leaves once the neutrinos are gone` });
  } else if (vis !== null && vis < VISIBLE_MASS_LOW_GEV) {
    clues.push({ id: 'vis-low', points: 'background', text: `the visible mass is ${gev(vis)}, below ${VISIBLE_MASS_LOW_GEV} GeV: more like a Z (${Z_MASS_GEV} GeV) than a Higgs` });
  } else if (vis !== null && vis > VISIBLE_MASS_HIGH_GEV) {
    clues.push({ id: 'vis-high', points: 'background', text: `the visible mass is ${gev(vis)}, above ${VISIBLE_MASS_HIGH_GEV} GeV: more than a ${HIGGS_MASS_GEV} GeV Higgs usually leaves visible` });
  }

  const ptH = definedValue(row, 'DER_pt_h');
  if (ptH !== null && ptH > BOOSTED_PT_H_GEV) {
    clues.push({ id: 'pt-h-boosted', points: 'signal', text: `the tau pair and missing energy move fast across the beam (pT ${gev(ptH)}, above ${BOOSTED_PT_H_GEV} GeV), as a Higgs produced with jets often does` });
  }
  return clues;
}
