import path from 'node:path';
import { create } from 'express-handlebars';
import Handlebars from 'handlebars';
import { formatScore, humanTime } from './render.js';
import { metricHumanName } from '../challenges/metric-names.js';

export function viewEngine(viewsDir: string) {
  const engine = create({
    extname: '.hbs',
    defaultLayout: 'main',
    layoutsDir: path.join(viewsDir, 'layouts'),
    partialsDir: path.join(viewsDir, 'partials'),
    helpers: {
      score: (v: unknown) => formatScore(v),
      eq: (a: unknown, b: unknown) => a === b,
      metricName: (metric: unknown) => (typeof metric === 'string' ? metricHumanName(metric) : ''),
      json: (v: unknown) => JSON.stringify(v, null, 2),
      /** A UTC time that the page's script rewrites into the viewer's zone. */
      time: (iso: unknown) => {
        if (typeof iso !== 'string' || !iso) return '—';
        return new Handlebars.SafeString(`<time datetime="${Handlebars.escapeExpression(iso)}">${Handlebars.escapeExpression(humanTime(iso))}</time>`);
      },
      pct: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '—'),
      fixed: (v: unknown, d: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(typeof d === 'number' ? d : 3) : '—'),
      signed: (v: unknown) => (typeof v === 'number' ? (v > 0 ? `▲${v}` : v < 0 ? `▼${-v}` : '=') : ''),
    },
  });
  return engine;
}
