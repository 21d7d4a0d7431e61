/**
 * The names people read for the metric names of challenge.yaml ('macro_f1' → 'macro-F1').
 * Pure; pages and messages use it so no snake_case metric name reaches a reader.
 */
const HUMAN_NAMES: Record<string, string> = {
  ams: 'AMS',
  accuracy: 'accuracy',
  macro_f1: 'macro-F1',
  log_loss: 'log loss',
  roc_auc: 'ROC AUC',
};

/** The human name of a metric; an unknown name comes back as it is, with underscores as spaces. */
export function metricHumanName(metric: string): string {
  return HUMAN_NAMES[metric] ?? metric.replace(/_/g, ' ');
}
