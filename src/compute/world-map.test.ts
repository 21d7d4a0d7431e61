import assert from 'node:assert/strict';
import { contributorMapSvg, countryByCode, countryChoices, shadeIndex } from './world-map.js';

describe('the world map of contributors by credit', () => {
  it('shades credits on a log scale between the smallest and the largest, and leaves no credit unshaded', () => {
    assert.equal(shadeIndex(0, 1, 1000), -1);
    assert.equal(shadeIndex(Number.NaN, 1, 1000), -1);
    assert.equal(shadeIndex(1, 1, 1000), 0);
    assert.equal(shadeIndex(1000, 1, 1000), 4, 'the largest gets the darkest shade, not one past it');
    // 1000^(2/5) ≈ 15.85: just below is class 1, just above class 2.
    assert.equal(shadeIndex(15.8, 1, 1000), 1);
    assert.equal(shadeIndex(15.9, 1, 1000), 2);
    assert.equal(shadeIndex(7, 7, 7), 4, 'one country alone is the darkest');
  });

  it('offers every coded country by name, and refuses unknown codes', () => {
    const choices = countryChoices();
    assert.ok(choices.length > 200, `${choices.length} countries`);
    assert.deepEqual(countryByCode('756'), { code: '756', name: 'Switzerland' });
    assert.equal(countryByCode('999'), undefined);
    assert.ok(!choices.some((c) => c.name === 'Kosovo'), 'a shape without an ISO code cannot be chosen');
    const names = choices.map((c) => c.name);
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)));
  });

  it('titles each country with its credit, draws one too small for the map as a dot, and ignores unknown codes', () => {
    const svg = contributorMapSvg(new Map([['840', 1200], ['702', 70], ['999', 5]]));
    assert.match(svg, /^<svg [^>]*role="img"/);
    assert.match(svg, /<path d="M[^"]+" fill="#08306b"><title>United States of America: 1,200 credit<\/title><\/path>/);
    assert.match(svg, /<circle [^>]*><title>Singapore: 70 credit<\/title><\/circle>/);
    assert.equal((svg.match(/<circle /g) ?? []).length, 1);
    assert.match(svg, /<title>France<\/title>/, 'a country without credit keeps its name, without a figure');
    assert.ok(svg.length < 200_000, `${svg.length} bytes`);
  });

  it('says so when no chosen country has credit yet', () => {
    const svg = contributorMapSvg(new Map());
    assert.match(svg, /No credit from a chosen country yet\./);
    assert.doesNotMatch(svg, /credit<\/title>/);
  });
});
