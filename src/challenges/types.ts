import type { CrowdConfig } from '../crowd/display/schema.js';

/** What a challenge's submission files must look like. Derived from challenge.yaml. */
export type SubmissionFormat =
  | {
      /** HiggsML: `<id>,RankOrder,Class`, RankOrder a permutation of 1..N, Class in {s,b}. */
      kind: 'higgsml';
      idColumn: string;
      /** Class names in solution code order, e.g. ['b', 's']. */
      classes: string[];
    }
  | {
      /** One predicted class per row: `<id>,<target>`, plus `proba_<class>` columns for every class when probabilities are required or given. */
      kind: 'label';
      idColumn: string;
      targetColumn: string;
      classes: string[];
      /** 'required' for probability metrics (log loss, ROC AUC); 'optional' otherwise. */
      probabilities: 'required' | 'optional';
    };

/** A challenge folder (`datasets/<slug>/`) after validation. */
export interface ChallengeDefinition {
  slug: string;
  title: string;
  /** Markdown. */
  description: string;
  idColumn: string;
  targetColumn: string;
  /** Optional weight column in the solution file. */
  weightColumn: string | null;
  classes: string[];
  format: SubmissionFormat;
  metric: string;
  metricOptions: Record<string, unknown>;
  higherIsBetter: boolean;
  opensAt: Date;
  closesAt: Date;
  dailyLimit: number;
  finalSelections: number;
  /** Whether uploads after the close are taken as late submissions (challenge.yaml late_submissions, default true). */
  lateSubmissions: boolean;
  /** Absolute paths of the folder's files; sampleSubmission may be generated when absent. */
  files: { train: string; test: string; solution: string; sampleSubmission: string | null };
  citation: string | null;
  /** The `crowd:` section of challenge.yaml, when it has one (src/crowd/display/schema.ts). */
  crowd?: CrowdConfig | null;
}
