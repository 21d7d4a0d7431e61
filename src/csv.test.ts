import assert from 'node:assert/strict';
import { csvCell, csvLine } from './csv.js';

describe('csvCell', () => {
  it('neutralises strings a spreadsheet would evaluate with a leading quote', () => {
    assert.equal(csvCell('=HYPERLINK("http://evil.example","click")'), `"'=HYPERLINK(""http://evil.example"",""click"")"`);
    assert.equal(csvCell('+1'), `"'+1"`);
    assert.equal(csvCell('-cmd'), `"'-cmd"`);
    assert.equal(csvCell('@SUM(A1:A9)'), `"'@SUM(A1:A9)"`);
    assert.equal(csvCell('\tx'), `"'\tx"`);
    assert.equal(csvCell('\rx'), `"'\rx"`);
    assert.equal(csvCell('\uFF1D1+1'), `"'\uFF1D1+1"`);
  });

  it('decides on the type: numbers stay as they are, numeric-looking strings are text', () => {
    assert.equal(csvCell(-0.5), '-0.5');
    assert.equal(csvCell(-3), '-3');
    assert.equal(csvCell(1.25), '1.25');
    assert.equal(csvCell(0), '0');
    assert.equal(csvCell('-0.5'), `"'-0.5"`);
  });

  it('leaves ordinary text alone and quotes separators, quotes and line breaks', () => {
    assert.equal(csvCell('Vera Rubin'), 'Vera Rubin');
    assert.equal(csvCell('a=b'), 'a=b');
    assert.equal(csvCell("'quoted"), "'quoted");
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(''), '');
  });

  it('writes a line of cells', () => {
    assert.equal(csvLine([1, '=1+1', null, -2, 'x,y']), `1,"'=1+1",,-2,"x,y"\n`);
  });
});
