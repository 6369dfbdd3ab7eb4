// The partner widget on a page of another origin: it renders product cards with a key bound
// to that origin, and refuses to show anything with a key bound to another origin.
import http from 'node:http';
import { admin, COMTE, MORBIER, shopWithProducts } from '../lib/seed.mjs';
import { unique, Waiting } from '../lib/client.mjs';
import { assert, accessible, screenshot, see } from '../lib/harness.mjs';

export const name = 'partner widget renders on an allowed origin and is refused on another';

// Needs the gateway to check partner keys against the page's origin and answer CORS.
export async function needs(base) {
  const res = await fetch(`${base}/v1/products:search`, {
    method: 'OPTIONS',
    headers: { origin: 'http://127.0.0.1:9', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-api-key' },
  }).catch(() => null);
  // Today's gateway answers 405 to OPTIONS: no CORS yet. Any other answer means it handles
  // preflights, and the journey then checks that it does it right.
  return res && res.status !== 405 && res.status !== 404 ? [] : ['gateway CORS preflight and partner keys bound to origins (issue 8)'];
}

function partnerPage(base, key) {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Office de tourisme de Besançon</title>
<style>body{font-family:Georgia,serif;max-width:60rem;margin:0 auto;padding:1rem;color:#222}header{border-bottom:3px solid #7a1f2b}
h1{color:#7a1f2b} li{color:red}</style>
<script src="${base}/embed/v1/comptoir.js" defer></script></head>
<body><header><h1>Office de tourisme de Besançon</h1></header><main>
<h2>Fromages du Doubs chez les commerçants</h2>
<p>Le Comté, le Morbier et la Cancoillotte, à retirer chez nos fromagers.</p>
<comptoir-catalogue key="${key}" commune="25056" category="fromage" limit="6"></comptoir-catalogue>
</main></body></html>`;
}

export async function run(j) {
  await shopWithProducts(j.base, { name: 'Fromagerie du Doubs', commune: '25056', products: [COMTE, MORBIER] });
  const keys = {};
  const server = http.createServer((req, res) => {
    const which = req.url.includes('refuse') ? 'refused' : 'allowed';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(partnerPage(j.base, keys[which]));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const partnerOrigin = `http://127.0.0.1:${server.address().port}`;
  try {
    const a = await admin(j.base);
    const { data: partner } = await a.call('POST', '/v1/partners', { name: `Office de tourisme ${unique()}` });
    keys.allowed = (await a.call('POST', `/v1/partners/${partner.id}/keys`, { allowedOrigins: [partnerOrigin], rateTier: 'basic' })).data.secret;
    keys.refused = (await a.call('POST', `/v1/partners/${partner.id}/keys`, { allowedOrigins: ['https://www.ailleurs.example'], rateTier: 'basic' })).data.secret;

    // The gateway checks keys with accounts: while accounts cannot answer, the journey waits.
    const probe = await fetch(`${j.base}/v1/products:search?pageSize=1`, { headers: { 'x-api-key': keys.allowed, origin: partnerOrigin } });
    if (probe.status === 503 || probe.status === 501) throw new Waiting(`partner key checks (GET /v1/products:search with X-Api-Key -> ${probe.status})`);

    const page = await j.person({ width: 1000, height: 900 });
    await page.goto(`${partnerOrigin}/office.html`);
    const widget = page.locator('comptoir-catalogue');
    await widget.scrollIntoViewIfNeeded();
    await see(page, 'comptoir-catalogue li');
    const cards = await page.locator('comptoir-catalogue li').allInnerTexts();
    assert(cards.length >= 2 && cards.some((c) => c.includes('Comté')), `product cards rendered: ${JSON.stringify(cards)}`);
    const color = await page.locator('comptoir-catalogue li').first().evaluate((e) => getComputedStyle(e).color);
    assert(color !== 'rgb(255, 0, 0)', 'the partner page styles do not leak into the widget');
    const href = await page.locator('comptoir-catalogue a').first().getAttribute('href');
    assert(href.startsWith(`${j.base}/?ref=partner#/produit/`), `cards link to the storefront with the attribution (${href})`);
    assert((await page.locator('comptoir-catalogue a').first().getAttribute('target')) === '_top', 'links navigate the top-level page');
    await accessible(page, 'partner page with the widget');
    await screenshot(page, 'widget-on-partner-page');

    const refused = await j.person();
    await refused.goto(`${partnerOrigin}/refuse.html`);
    await refused.locator('comptoir-catalogue[data-state="refused"]').waitFor({ state: 'attached' });
    assert((await refused.locator('comptoir-catalogue li').count()) === 0, 'nothing shown with a key of another origin');
  } finally {
    server.close();
  }
}
