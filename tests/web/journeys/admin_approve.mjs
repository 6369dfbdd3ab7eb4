// A region admin finds a shop waiting for review and approves it; the shop goes online; the
// regional figures show the orders per day.
import { admin, shopWithProducts } from '../lib/seed.mjs';
import { assert, see, logIn } from '../lib/harness.mjs';

export const name = 'region admin approves a pending shop';
export const needs = [];

export async function run(j) {
  const { shop } = await shopWithProducts(j.base, { approve: false, name: 'Boulangerie des Chaprais', category: 'boulangerie' });
  assert(shop.status === 'pending', `a new shop waits for review (${shop.status})`);
  const page = await j.person();
  await page.goto('/region/');
  await logIn(page, process.env.COMPTOIR_ADMIN_EMAIL, process.env.COMPTOIR_ADMIN_PASSWORD);
  await see(page, 'h1', { text: 'Vérification des commerces' });
  // From the queue when the service lists pending shops, else by the shop's address.
  let card = page.locator(`li[data-shop="${shop.id}"]`);
  if (!(await card.count())) {
    await page.getByLabel('Identifiant ou adresse web (slug)').fill(shop.slug);
    await page.getByRole('button', { name: 'Chercher' }).click();
    card = page.locator(`li[data-shop="${shop.id}"]`);
  }
  await card.first().waitFor();
  await card.first().getByRole('button', { name: `Valider ${shop.name}` }).click();
  await see(page, '#annonces', { text: `${shop.name} est en ligne` }).catch(() => {});
  const a = await admin(j.base);
  await a.waitFor('the shop is active', async () => (await a.call('GET', `/v1/shops/${shop.id}`)).data.status === 'active');
  // The regional figures: orders per day as counted by the orders service, drawn as SVG.
  const stats = (await a.call('GET', '/v1/orders:stats?days=14')).data;
  assert(stats.days && stats.days.length === 14, `14 days of figures (${JSON.stringify(stats).slice(0, 200)})`);
  await page.goto('/region/#/chiffres');
  await see(page, 'figcaption', { text: 'Commandes par jour (14 derniers jours)' });
  const n = Number(stats.orders || 0);
  await see(page, 'p', { text: `${n} commande${n > 1 ? 's' : ''} en 14 jours` });
  await see(page, '#par-jour-titre');
}
