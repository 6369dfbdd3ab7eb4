// Test data made through the public API: an approved shop with products and pickup slots,
// owned by a fresh shopkeeper. Used by the journeys, and by hand against a running stack:
//   GATEWAY_URL=http://127.0.0.1:8080 COMPTOIR_ADMIN_EMAIL=... COMPTOIR_ADMIN_PASSWORD=... node lib/seed.mjs
import { Client, siret, unique } from './client.mjs';

export const PASSWORD = 'motdepasse-de-test';
export const HOURS = {
  weekly: [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, ranges: [{ open: '00:00', close: '23:59' }] })),
};

// The region admin, logged in once per run (its access token outlives a run).
let adminClient = null;
export async function admin(base) {
  if (!adminClient) {
    adminClient = (async () => {
      const c = new Client(base);
      await c.login(process.env.COMPTOIR_ADMIN_EMAIL, process.env.COMPTOIR_ADMIN_PASSWORD);
      return c;
    })();
  }
  return adminClient;
}

// A shopkeeper with one shop (pending unless approve), its products and its slot templates.
export async function shopWithProducts(base, { approve = true, name, commune = '25056', category = 'fromagerie', products = [] } = {}) {
  const id = unique();
  const keeper = new Client(base);
  const email = `commercant-${id}@exemple.fr`;
  await keeper.signUp(email, `Commerçant ${id}`, PASSWORD);
  const { data: shop } = await keeper.call('POST', '/v1/shops', {
    name: name || `Fromagerie ${id}`, communeInsee: commune, category, siret: siret(),
    clickAndCollect: true, preparationMinutes: 30, streetAddress: '12 rue des Granges', phone: '03 81 00 00 00',
  });
  // Shops tells accounts about the new member in the background: once accounts knows, a
  // fresh token carries the shop.
  await keeper.waitFor('membership recorded by accounts', async () => {
    const { data } = await keeper.call('GET', '/v1/accounts/me');
    return (data.shopIds || []).includes(shop.id);
  });
  await keeper.refresh();
  await keeper.call('PUT', `/v1/shops/${shop.id}/hours`, HOURS);
  if (approve) {
    const a = await admin(base);
    await a.call('POST', `/v1/shops/${shop.id}:approve`, {});
  }
  const made = [];
  for (const p of products) {
    // The catalogue learns about the shop from the shops' events: retry until it has.
    const { data } = await keeper.waitFor(`catalogue knows shop ${shop.id}`, () => keeper.call('POST', `/v1/shops/${shop.id}/products`, {
      vatRateBp: 550, stockTracked: true, stock: 10, category: 'fromage', ...p,
    }));
    made.push(data);
  }
  if (approve && made.length) {
    // Products turn public once the catalogue has applied the approval event too.
    const anonymous = new Client(base);
    await anonymous.waitFor(`product ${made[0].id} public`, async () =>
      (await anonymous.call('GET', `/v1/products/${made[0].id}`, undefined, { ok: [200, 404] })).status === 200);
  }
  // Pickup slots every day, all day, so that a slot is always open whenever the test runs.
  const templates = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    templates.push({ kind: 'SLOT_KIND_PICKUP', weekday, startMinute: 8 * 60, endMinute: 12 * 60, capacity: 10, cutoffDaysBefore: 1, cutoffMinute: 18 * 60 });
    templates.push({ kind: 'SLOT_KIND_PICKUP', weekday, startMinute: 14 * 60, endMinute: 19 * 60, capacity: 10, cutoffDaysBefore: 1, cutoffMinute: 18 * 60 });
  }
  await keeper.call('PUT', `/v1/shops/${shop.id}/slot-templates`, { slotTemplates: templates }, { ok: [200, 404, 501] }).catch(() => null);
  return { keeper, email, shop, products: made };
}

export const COMTE = { sku: 'COMTE-18', name: 'Comté AOP 18 mois', category: 'fromage', labels: ['aop-aoc'], allergens: ['lait'],
  priceCents: 690, saleUnit: '250 g', netQuantity: 250, netQuantityUnit: 'g', description: 'Affiné en cave à Besançon.' };
export const MORBIER = { sku: 'MORBIER', name: 'Morbier AOP', category: 'fromage', labels: ['aop-aoc'], allergens: ['lait'],
  priceCents: 520, saleUnit: '250 g', netQuantity: 250, netQuantityUnit: 'g' };
export const CANCOILLOTTE = { sku: 'CANCOI', name: 'Cancoillotte à l’ail', category: 'fromage', labels: ['local'], allergens: ['lait'],
  priceCents: 390, saleUnit: 'pot 250 g', netQuantity: 250, netQuantityUnit: 'g' };

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = process.env.GATEWAY_URL || 'http://127.0.0.1:8080';
  const s = await shopWithProducts(base, { name: 'Fromagerie des Granges', products: [COMTE, MORBIER, CANCOILLOTTE] });
  console.log(JSON.stringify({ shopkeeper: s.email, password: PASSWORD, shop: s.shop.id, slug: s.shop.slug, products: s.products.map((p) => p.id) }));
}
