// The resident's cart across shops. Logged in, it lives on the server (GET/PUT/DELETE
// /v1/carts/mine...). Before logging in, it is kept in localStorage with what the cards showed,
// and moved to the server at the first call after login.
import { api, session } from './api.js';

const KEY = 'comptoir.cart';
const local = () => {
  try {
    return JSON.parse(localStorage.getItem(KEY) || '[]');
  } catch {
    return [];
  }
};
const saveLocal = (lines) => {
  if (lines.length) localStorage.setItem(KEY, JSON.stringify(lines));
  else localStorage.removeItem(KEY);
  window.dispatchEvent(new CustomEvent('comptoir:cart'));
};
// Until the orders service answers, a logged-in visitor keeps the local cart too.
let serverCart = true;
const loggedIn = () => serverCart && !!(session() && session().accessToken);
const missingRoute = (e) => e && (e.status === 404 || e.status === 501 || e.status === 503);

// The same shape as the API's Cart, built from the local lines.
function localCart() {
  const shops = new Map();
  let total = 0;
  let count = 0;
  for (const l of local()) {
    if (!shops.has(l.shopId)) shops.set(l.shopId, { shopId: l.shopId, shopName: l.shopName, lines: [], subtotalCents: 0 });
    const s = shops.get(l.shopId);
    const lineTotal = l.unitPriceCents * l.quantity;
    s.lines.push({ productId: l.productId, shopId: l.shopId, name: l.name, saleUnit: l.saleUnit, unitPriceCents: l.unitPriceCents, quantity: l.quantity, lineTotalCents: lineTotal });
    s.subtotalCents += lineTotal;
    total += lineTotal;
    count += 1;
  }
  return { shops: [...shops.values()], totalCents: total, lineCount: count, local: true };
}

// Moves the local lines to the server cart once logged in.
async function flushLocal() {
  const lines = local();
  if (!lines.length) return;
  for (const l of lines) {
    await api('PUT', `/v1/carts/mine/items/${encodeURIComponent(l.productId)}`, { body: { quantity: l.quantity } });
  }
  saveLocal([]);
}

export async function getCart() {
  if (!loggedIn()) return localCart();
  try {
    await flushLocal();
    return await api('GET', '/v1/carts/mine');
  } catch (e) {
    if (!missingRoute(e)) throw e;
    serverCart = false;
    return localCart();
  }
}

export async function setItem(product, quantity) {
  if (!loggedIn()) {
    const lines = local().filter((l) => l.productId !== product.id);
    if (quantity > 0) {
      lines.push({ productId: product.id, shopId: product.shopId, shopName: product.shopName || '', name: product.name,
        saleUnit: product.saleUnit, unitPriceCents: Number(product.priceCents || product.unitPriceCents), quantity });
    }
    saveLocal(lines);
    return localCart();
  }
  const cart = quantity > 0
    ? await api('PUT', `/v1/carts/mine/items/${encodeURIComponent(product.id)}`, { body: { quantity } })
    : await api('DELETE', `/v1/carts/mine/items/${encodeURIComponent(product.id)}`);
  window.dispatchEvent(new CustomEvent('comptoir:cart', { detail: cart }));
  return cart;
}

export async function addOne(product) {
  const cart = await getCart();
  let qty = 0;
  for (const s of cart.shops || []) for (const l of s.lines || []) if (l.productId === product.id) qty = l.quantity;
  return setItem(product, qty + 1);
}
