// A courier opens today's round (planned from a delivery order), picks the parcel up and
// marks the stop delivered; the order follows.
import { admin, COMTE, PASSWORD, shopWithProducts } from '../lib/seed.mjs';
import { Client, unique } from '../lib/client.mjs';
import { assert, see, logIn } from '../lib/harness.mjs';

export const name = 'courier completes a round';
export const needs = ['POST /v1/checkouts', 'PUT /v1/shops/{shop}/delivery-zones', 'POST /v1/rounds:plan', 'GET /v1/couriers/me/rounds',
  'POST /v1/stops/{stop}:complete', 'POST /v1/accounts/{account}:grantCourier'];

export async function run(j) {
  const { keeper, shop, products } = await shopWithProducts(j.base, { name: `Fromagerie livreuse ${unique()}`, products: [COMTE] });
  await keeper.call('PUT', `/v1/shops/${shop.id}/delivery-zones`, { zones: [{ name: 'Besançon', communes: ['25056'], feeCents: 300 }] });
  const templates = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    templates.push({ kind: 'SLOT_KIND_DELIVERY', weekday, startMinute: 9 * 60, endMinute: 18 * 60, capacity: 10, cutoffDaysBefore: 0, cutoffMinute: 0 });
  }
  await keeper.call('PUT', `/v1/shops/${shop.id}/slot-templates`, { slotTemplates: templates });

  const resident = new Client(j.base);
  await resident.signUp(`client-${unique()}@exemple.fr`, 'Paul Client', PASSWORD);
  await resident.call('PUT', `/v1/carts/mine/items/${products[0].id}`, { quantity: 1 });
  // Delivery learns of the approval from the shops' events: ask until it has.
  const quote = await resident.waitFor('a delivery quote for Besançon', async () => {
    const { data } = await resident.call('POST', '/v1/delivery-quotes', { shop: shop.id, communeInsee: '25056', basketCents: 690 });
    return data.deliverable && (data.nextSlots || []).length ? data : null;
  });
  assert(quote.feeCents === '300' || quote.feeCents === 300, `the zone's fee is quoted (${quote.feeCents})`);
  const slot = quote.nextSlots[0];
  const { data: checkout } = await resident.call('POST', '/v1/checkouts', {
    fulfilments: [{ shopId: shop.id, kind: 'delivery', slotId: slot.id, deliveryAddress: '3 rue Battant', deliveryCommuneInsee: '25056', deliveryPostalCode: '25000' }],
    customerName: 'Paul Client', customerPhone: '0612345678', idempotencyKey: `tournee-${unique()}`,
  });
  const order = checkout.orders[0];
  await keeper.call('POST', `/v1/orders/${order.id}:accept`, {});
  await keeper.call('POST', `/v1/orders/${order.id}:ready`, {});

  const courierEmail = `livreur-${unique()}@exemple.fr`;
  const courier = new Client(j.base);
  await courier.signUp(courierEmail, 'Lucie Livreuse', PASSWORD);
  const a = await admin(j.base);
  await a.call('POST', `/v1/accounts/${courier.account.id}:grantCourier`, {});
  await keeper.waitFor('the delivery job of the order', async () => {
    const { data } = await keeper.call('POST', '/v1/rounds:plan', { date: slot.date, depotShop: shop.id, couriers: [{ courierUserId: courier.account.id, capacity: 20 }] });
    return (data.rounds || []).some((r) => r.stops.some((s) => s.orderId === order.id));
  }, { timeoutMs: 20000, everyMs: 1000 });

  const page = await j.person({ width: 390, height: 844 });
  await page.goto(`/livreur/#/?date=${slot.date}`);
  await logIn(page, courierEmail, PASSWORD);
  const stop = await see(page, 'ol.stops > li', { text: order.number });
  assert(/Arrivée prévue/.test(await stop.innerText()), 'the stop shows its ETA');
  await stop.getByRole('button', { name: 'Colis récupéré' }).click();
  await see(page, 'ol.stops > li[data-status="STOP_STATUS_PICKED_UP"]', { text: order.number });
  await page.locator('ol.stops > li', { hasText: order.number }).getByRole('button', { name: `Commande ${order.number} livrée` }).click();
  await see(page, 'ol.stops > li[data-status="STOP_STATUS_DELIVERED"]', { text: order.number });
  await resident.waitFor('the order is delivered', async () => (await resident.call('GET', `/v1/orders/${order.id}`)).data.status === 'delivered', { timeoutMs: 20000 });
}
