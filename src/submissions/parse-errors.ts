/**
 * Problems found in an uploaded prediction file: stable machine-readable codes,
 * the issue shape, and the small helpers that keep messages consistent.
 */

/** One problem (or warning) found in a submission file. */
export interface SubmissionIssue {
  /** 1-based physical line of the file (the header is line 1); null for file-wide problems. */
  line: number | null;
  /** Header name of the column concerned, when there is one. */
  column: string | null;
  /** The offending value (truncated to 200 characters), when there is one. */
  value: string | null;
  /** Stable machine-readable code, one of ISSUE_CODES. */
  code: IssueCode;
  /** A sentence for the submitter naming line, column and value. */
  message: string;
}

/**
 * Every code parseSubmission can produce, with what it means. Codes are stable:
 * the UI and the API may switch on them. `warning: true` codes never make a file fail.
 */
export const ISSUE_CODES = {
  // The file as a whole.
  empty_file: 'The file is empty or contains only whitespace.',
  too_large: 'The file (after decompression) is larger than the size limit.',
  not_gzip: 'The file name ends in .gz but the content is not gzip-compressed.',
  gzip_corrupt: 'The gzip data is truncated or corrupt.',
  unsupported_file: 'The file is a ZIP archive or an Excel workbook, not a CSV file.',
  unsupported_encoding: 'The file is not UTF-8 text (UTF-16, or binary with NUL bytes).',
  // The header line.
  wrong_delimiter: 'The header uses ";", tab or "|" between columns instead of commas.',
  missing_header: 'The first line is not a header (it is data, or empty).',
  missing_column: 'A required column is absent from the header.',
  unknown_column: 'The header has a column that the format does not allow.',
  duplicate_column: 'A column name appears twice in the header.',
  // Structure.
  no_rows: 'The file has a header but no data rows.',
  field_count: 'A row has a different number of fields than the header.',
  csv_syntax: 'A row is not valid CSV (for example a quote that is never closed).',
  line_too_long: 'A line (the header included) is longer than any line of a valid file could be.',
  // Values.
  empty_value: 'A cell is empty.',
  not_finite: 'A numeric cell holds NaN or infinity.',
  not_integer: 'A RankOrder cell is not a whole number.',
  not_number: 'A probability cell is not a number.',
  invalid_class: 'A class cell is not one of the allowed classes.',
  proba_out_of_range: 'A probability is below 0 or above 1.',
  // Ids.
  unknown_id: 'A row id is not in the test set.',
  duplicate_id: 'A row id appears more than once.',
  missing_ids: 'Some ids of the test set have no row in the file (one summary issue).',
  // HiggsML RankOrder.
  rank_out_of_range: 'A RankOrder is outside 1..N (N = number of test rows).',
  duplicate_rank: 'A RankOrder value is used by more than one row.',
  missing_ranks: 'Some values of 1..N are not used as a RankOrder (one summary issue).',
  // Warnings: the file is accepted.
  bom: 'Warning: the file starts with a UTF-8 byte order mark, which was ignored.',
  crlf: 'Warning: the file uses Windows (CRLF) or old Mac (CR) line endings, which were accepted.',
  blank_lines: 'Warning: blank lines were ignored (one summary issue).',
} as const;

export type IssueCode = keyof typeof ISSUE_CODES;

/** Codes that are warnings, never errors. */
export const WARNING_CODES: ReadonlySet<IssueCode> = new Set<IssueCode>(['bom', 'crlf', 'blank_lines']);

const MAX_VALUE = 200;
const MAX_SHOWN = 60;

/** The value kept in an issue: long values (an unclosed quote can swallow a whole file) are cut. */
export function clip(value: string): string {
  return value.length <= MAX_VALUE ? value : `${value.slice(0, MAX_VALUE)}…`;
}

/** A value as shown in a message: double-quoted, escapes visible (tabs, spaces at the ends), cut when long. */
export function q(value: string): string {
  return value.length <= MAX_SHOWN ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, MAX_SHOWN))}…`;
}

/** A list of values shown in a message. */
export function qList(values: readonly string[]): string {
  return values.map(q).join(', ');
}

/** ' (remove the spaces around it)' when the value has leading or trailing whitespace, else ''. */
export function spaceHint(value: string): string {
  return value.length > 0 && value.trim() !== value ? ' Remove the spaces around it: values are not trimmed.' : '';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
