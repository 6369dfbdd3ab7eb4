// Runs the browser journeys against a running Comptoir (GATEWAY_URL), one after the other,
// and exits non-zero if one fails. A journey whose routes the gateway does not serve yet
// (checked against /openapi.json) is reported as waiting, not run.
//
//   GATEWAY_URL=http://127.0.0.1:8080 COMPTOIR_ADMIN_EMAIL=... COMPTOIR_ADMIN_PASSWORD=... \
//   [SCREENSHOTS_DIR=docs/screenshots] [CHROMIUM=/usr/bin/chromium] [COMPTOIR_WEB_STRICT=1] node tests/web/run.mjs [name-filter]
//
// COMPTOIR_WEB_STRICT=1 turns a waiting journey into a failure (for CI once every service is there).
import { launch, Journey } from './lib/harness.mjs';
import { missingMessages } from './lib/i18n_check.mjs';

const JOURNEYS = ['budget', 'resident_order', 'csv_import', 'slot_closure', 'courier_round', 'admin_approve', 'accessibility', 'widget'];

const base = (process.env.GATEWAY_URL || '').replace(/\/$/, '');
if (!base || !process.env.COMPTOIR_ADMIN_EMAIL || !process.env.COMPTOIR_ADMIN_PASSWORD) {
  console.error('run.mjs: set GATEWAY_URL, COMPTOIR_ADMIN_EMAIL and COMPTOIR_ADMIN_PASSWORD');
  process.exit(2);
}
const filter = process.argv[2] || '';

const api = await (await fetch(`${base}/openapi.json`)).json();
const served = new Set();
for (const [path, ops] of Object.entries(api.paths || {})) for (const m of Object.keys(ops)) served.add(`${m.toUpperCase()} ${path}`);
// Path parameters are named after the request fields: compare the shapes only.
const shape = (route) => route.replace(/\{[^}]+\}/g, '{}');
const servedShapes = new Set([...served].map(shape));

let failed = 0;
const missing = await missingMessages();
if (missing.length) {
  failed += 1;
  console.log(`FAIL  i18n: messages used by the pages but missing from web/i18n/fr.js: ${missing.join(', ')}`);
} else {
  console.log('PASS  i18n: every message the pages use is in the French catalogue');
}

const browser = await launch();
let waiting = 0;
for (const file of JOURNEYS) {
  if (filter && !file.includes(filter)) continue;
  const mod = await import(`./journeys/${file}.mjs`);
  const missing = typeof mod.needs === 'function' ? await mod.needs(base) : (mod.needs || []).filter((r) => !servedShapes.has(shape(r)));
  if (missing.length) {
    waiting += 1;
    console.log(`WAIT  ${file}: ${mod.name}\n      waiting on: ${missing.join(', ')}`);
    continue;
  }
  const j = new Journey(browser, base, file);
  const started = Date.now();
  try {
    const note = await mod.run(j);
    j.check();
    console.log(`PASS  ${file}: ${mod.name} (${((Date.now() - started) / 1000).toFixed(1)} s)${note ? ` — ${note}` : ''}`);
  } catch (e) {
    if (e.waiting) {
      waiting += 1;
      console.log(`WAIT  ${file}: ${mod.name}\n      waiting on: ${e.message}`);
      continue;
    }
    failed += 1;
    console.log(`FAIL  ${file}: ${mod.name}\n      ${String(e.stack || e).split('\n').slice(0, 8).join('\n      ')}`);
    for (const p of j.problems) console.log(`      also: ${p}`);
    for (const d of await j.dump()) console.log(`      ${d}`);
  } finally {
    await j.close();
  }
}
await browser.close();
console.log(`${failed} failed, ${waiting} waiting on services`);
process.exit(failed || (process.env.COMPTOIR_WEB_STRICT === '1' && waiting) ? 1 : 0);
