/** How pages and messages name a metric: "macro-F1", not the registry key `macro_f1`. */
const HUMAN_NAMES: Record<string, string> = {
  ams: 'AMS',
  accuracy: 'accuracy',
  macro_f1: 'macro-F1',
  log_loss: 'log loss',
  roc_auc: 'ROC AUC',
};

/** The human name of a metric key; an unknown key reads as itself with spaces for underscores. */
export function metricHumanName(metric: string): string {
  return HUMAN_NAMES[metric] ?? metric.replace(/_/g, ' ');
}
