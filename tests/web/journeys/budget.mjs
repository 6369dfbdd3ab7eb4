// The storefront's first load stays under 150 KB transferred and asks nothing of any other
// origin; the screenshot of the storefront for the README is taken here.
import { CANCOILLOTTE, COMTE, MORBIER, shopWithProducts } from '../lib/seed.mjs';
import { assert, screenshot, see } from '../lib/harness.mjs';

export const name = 'storefront first load under 150 KB, no third-party request, usable on 3G';
export const needs = [];
const BUDGET = 150 * 1024;

export async function run(j) {
  await shopWithProducts(j.base, { name: 'Fromagerie des Granges', products: [COMTE, MORBIER, CANCOILLOTTE] });
  const page = await j.person({ width: 1100, height: 820 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const urls = new Map();
  let bytes = 0;
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
  await page.goto('/', { waitUntil: 'networkidle' });
  await see(page, 'h2#titre-resultats');
  const firstUrls = [...urls.values()];
  const origin = new URL(j.base).origin;
  const foreign = firstUrls.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  assert(foreign.length === 0, `no third-party request (${foreign.join(', ')})`);
  const firstLoad = bytes;
  assert(firstLoad < BUDGET, `first load ${bytes} bytes < ${BUDGET}: ${firstUrls.join(' ')}`);

  // On a 3G line (Chrome's "Fast 3G": 1.6 Mbit/s down, 150 ms round trips), results show
  // within 8 seconds of a cold start.
  const slow = await j.person({ width: 390, height: 844 });
  const slowCdp = await slow.context().newCDPSession(slow);
  await slowCdp.send('Network.enable');
  await slowCdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await slowCdp.send('Network.emulateNetworkConditions', { offline: false, latency: 150, downloadThroughput: (1.6 * 1024 * 1024) / 8, uploadThroughput: (750 * 1024) / 8 });
  const t0 = Date.now();
  await slow.goto('/');
  await see(slow, 'h2#titre-resultats', { timeout: 8000 });
  const slowMs = Date.now() - t0;

  // The README's picture: results around Besançon.
  await page.evaluate(() => localStorage.setItem('comptoir.commune', JSON.stringify({ inseeCode: '25056', name: 'Besançon', postalCode: '25000', latitude: 47.2602, longitude: 6.0123 })));
  await page.goto('/#/?category=fromage');
  await page.reload();
  await see(page, 'li.card');
  await screenshot(page, 'storefront');
  return `first load ${(firstLoad / 1024).toFixed(1)} KB; on Fast 3G results in ${(slowMs / 1000).toFixed(1)} s`;
}
