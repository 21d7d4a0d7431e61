/** CSV meant to be opened by people in a spreadsheet (exports), not machine-read data files. */

/**
 * Leading characters that make Excel, LibreOffice Calc or Google Sheets read a cell as a formula
 * (OWASP, CSV injection), with the full-width forms some of them also accept.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/**
 * One cell, quoted as RFC 4180 asks. A string a spreadsheet would evaluate gets a leading `'` and is
 * quoted, so it shows as the text it is. Whether to neutralise is decided on the value's type, not on
 * its text: a number (a negative one too) is written as it is, while the string '-0.5' is text.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string' && FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: unknown[]): string => cells.map(csvCell).join(',') + '\n';
