/**
 * The first-visit tutorial of a workflow: what a subject page shows, what each class means, how
 * training works. Its steps come from the configuration's `tutorial:` when it has one, else from
 * the rest of the configuration (plots, feature groups, classes); the last step, on training, is
 * always written from the workflow's own promotion rule, which challenge.yaml cannot know.
 * Also the cookie that remembers, for anonymous visitors, which workflows' tutorials they have seen.
 * Pure: no I/O.
 */
import type { CrowdConfig, CrowdPlot } from '../display/schema.js';
import type { Workflow } from '../repo.js';
import { listInWords } from './promotion.js';

export interface TutorialPage {
  title: string;
  /** Paragraphs, then an optional list. */
  paragraphs: string[];
  items: string[];
}

type TutorialWorkflow = Pick<Workflow, 'title' | 'classes' | 'clues' | 'promoteCorrect' | 'promoteWindow' | 'promoteEachClass'>;

const PLOT_WORDS: Record<CrowdPlot['kind'], string> = {
  spectrum: 'a spectrum drawn from the band fluxes: how bright the subject is at each energy',
  sky: 'where it lies on the sky',
  event: 'an event display: the particles the detector saw, looking along the beam and unrolled in η and φ, each arrow or marker sized by its transverse momentum',
  histograms: "where its values fall among the training examples of each class, one small chart per quantity",
};

const paragraphsOf = (text: string) =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter(Boolean);

/** A class as volunteers read it: its display name, with the code when they differ ("Higgs signal (s)"). */
export function classLabel(config: Pick<CrowdConfig, 'classes'>, name: string): string {
  const display = config.classes.find((c) => c.name === name)?.display;
  return display && display !== name ? `${display} (${name})` : name;
}

function trainingStep(wf: TutorialWorkflow): TutorialPage {
  const shown = 'After each answer you see the right class and the clues in that subject’s own values that point to it, and, when you were wrong, the clues that pointed to your answer.';
  if (wf.promoteWindow === 0) {
    return { title: 'How training works', paragraphs: ['Some subjects are training subjects: their class is known. They come often at first and now and then later.', shown], items: [] };
  }
  const perClass = wf.promoteEachClass ? ', with at least one right in every class' : '';
  return {
    title: 'How training works',
    paragraphs: [
      `You start with training subjects, whose class is known, drawn so that you meet every class early. ${shown}`,
      `Once ${wf.promoteCorrect} of your last ${wf.promoteWindow} training answers are right${perClass}, you move on to live subjects, whose class nobody knows yet; a training subject still comes now and then. The classify page shows where you stand.`,
      'Your answers on live subjects are combined with everyone else’s, each weighed by how well its volunteer did in training.',
    ],
    items: [],
  };
}

/** The tutorial's pages: the configured steps, or ones built from the configuration, then training. */
export function tutorialSteps(config: CrowdConfig, wf: TutorialWorkflow): TutorialPage[] {
  const steps: TutorialPage[] = config.tutorial?.length ? config.tutorial.map((s) => ({ title: s.title, paragraphs: paragraphsOf(s.text), items: [] })) : defaultSteps(config, wf);
  return [...steps, trainingStep(wf)];
}

function defaultSteps(config: CrowdConfig, wf: TutorialWorkflow): TutorialPage[] {
  const plots = [...new Set(config.plots.map((p) => PLOT_WORDS[p.kind]))];
  const groups = config.features.map((g) => g.label);
  const page: string[] = [`Each subject is one row of the challenge “${wf.title}”.`];
  if (plots.length) page.push(`The page shows ${listInWords(plots)}.`);
  page.push(groups.length ? `Below are its values, grouped as ${listInWords(groups.map((g) => `“${g}”`))}; a small note under a name explains it.` : 'Below are its values, one per column of the data.');
  return [
    { title: 'What a subject page shows', paragraphs: [page.join(' ')], items: [] },
    {
      title: 'The classes',
      paragraphs: ['Choose the one class the subject belongs to, with its button (or its key on a keyboard).'],
      items: wf.classes.map((name) => {
        const clue = wf.clues[name];
        return clue ? `${classLabel(config, name)}: ${clue}` : classLabel(config, name);
      }),
    },
  ];
}

/** The anonymous visitor's cookie: ids of the workflows whose tutorial they have seen, dot-separated. */
export const TUTORIAL_COOKIE = 'sift_crowd_tutorials';
/** Enough for every workflow a visitor meets; beyond it the oldest are forgotten. */
const MAX_REMEMBERED = 100;

export function seenWorkflows(cookie: unknown): number[] {
  if (typeof cookie !== 'string') return [];
  return cookie.split('.').filter((x) => /^\d{1,9}$/.test(x)).map(Number);
}

export function withSeenWorkflow(cookie: unknown, workflowId: number): string {
  const ids = seenWorkflows(cookie).filter((id) => id !== workflowId);
  return [...ids, workflowId].slice(-MAX_REMEMBERED).join('.');
}
