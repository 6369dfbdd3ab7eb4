// A shopkeeper closes the shop's slots for a holiday from the back office: the days are listed,
// residents get no slot on them, and the shopkeeper reopens them.
import { PASSWORD, shopWithProducts } from '../lib/seed.mjs';
import { assert, see, logIn } from '../lib/harness.mjs';

export const name = 'shopkeeper closes slots for a holiday and reopens them';
export const needs = [];

// A Paris calendar date `days` from now, "YYYY-MM-DD".
function dateIn(days) {
  const d = new Date(Date.now() + days * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(d);
}

export async function run(j) {
  const { email, shop } = await shopWithProducts(j.base, { name: 'Boulangerie du Morvan', commune: '58145', category: 'boulangerie' });
  const page = await j.person();
  await page.goto('/pro/');
  await logIn(page, email, PASSWORD);
  await see(page, 'h2', { text: 'Mes commerces' });
  await page.goto(`/pro/#/boutique/${shop.id}/livraison`);
  await see(page, 'h2', { text: 'Jours fermés' });
  await see(page, 'p', { text: 'Aucun jour fermé à venir.' });

  const first = dateIn(20);
  const last = dateIn(22);
  await page.getByLabel('Premier jour fermé').fill(first);
  await page.getByLabel('Dernier jour fermé').fill(last);
  await page.getByLabel('Motif affiché aux clients (facultatif)').fill('Congés');
  await page.getByRole('button', { name: 'Fermer ces jours' }).click();
  await see(page, 'ul.closures li', { text: 'Congés' });

  // What residents read: the closure is public.
  const res = await fetch(`${j.base}/v1/shops/${shop.id}/slot-closures`);
  const { closures = [] } = await res.json();
  assert(closures.length === 1 && closures[0].firstDate === first && closures[0].lastDate === last,
    `one closure from ${first} to ${last}: ${JSON.stringify(closures)}`);

  await page.getByRole('button', { name: /^Rouvrir / }).click();
  await see(page, 'p', { text: 'Aucun jour fermé à venir.' });
  const after = await (await fetch(`${j.base}/v1/shops/${shop.id}/slot-closures`)).json();
  assert(!(after.closures || []).length, 'the days are open again');
}
