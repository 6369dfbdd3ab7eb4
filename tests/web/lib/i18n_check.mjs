// Every message key the pages use exists in the French catalogue (static look at web/: the
// journeys also fail on a missing key met at run time).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web');

export async function missingMessages() {
  const fr = (await import(path.join(WEB, 'i18n/fr.js'))).default;
  const used = new Set();
  for (const f of fs.readdirSync(path.join(WEB, 'app')).filter((n) => n.endsWith('.js'))) {
    const text = fs.readFileSync(path.join(WEB, 'app', f), 'utf8');
    for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.-]+)'/g)) used.add(m[1]);
    // Keys listed in arrays: [['placed', 'status.placed'], ...] and ['bo.col.product', ...].
    for (const m of text.matchAll(/'((?:bo|admin|courier|status|nav|sort|label|category|weekday)\.[a-zA-Z0-9_.-]+)'/g)) used.add(m[1]);
  }
  for (const page of ['index.html', 'pro/index.html', 'livreur/index.html', 'region/index.html']) {
    const text = fs.readFileSync(path.join(WEB, page), 'utf8');
    for (const m of text.matchAll(/data-i18n="([^"]+)"/g)) used.add(m[1]);
    for (const m of text.matchAll(/data-i18n-attr="([^"]+)"/g)) for (const pair of m[1].split(';')) used.add(pair.split(':')[1]);
  }
  return [...used].filter((k) => !(k in fr)).sort();
}
