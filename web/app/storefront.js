// The residents' storefront: search around a commune, shops, products, the cart across
// shops, checkout (pickup or delivery per shop) and the account with live order status.
import { api, account, logout, saveSession, ApiError } from './api.js';
import { authForms } from './auth.js';
import { t } from './i18n.js';
import { announce, clear, field, h, showErrors } from './dom.js';
import { day, distance, money, newKey, time, when } from './format.js';
import { combobox } from './combobox.js';
import { communeLabel, findCommunes, saveCommune, savedCommune } from './communes.js';
import { addOne, getCart, setItem } from './cart.js';
import { isLoggedIn, router, startShell } from './shell.js';

const CATEGORIES = ['fromage', 'cremerie', 'boulangerie', 'patisserie', 'viande', 'charcuterie', 'poisson',
  'fruits-legumes', 'epicerie', 'vin', 'biere', 'spiritueux', 'boisson', 'livre', 'fleur', 'maison', 'autre'];
const LABELS = ['bio', 'aop-aoc', 'igp', 'label-rouge', 'fait-maison', 'local'];
const SORTS = ['relevance', 'price_asc', 'price_desc', 'distance', 'newest'];
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];

startShell();
updateCartCount();
window.addEventListener('comptoir:cart', updateCartCount);
window.addEventListener('comptoir:session', updateCartCount);

async function updateCartCount() {
  const badge = document.getElementById('nombre-panier');
  if (!badge) return;
  try {
    const cart = await getCart();
    const n = (cart.shops || []).reduce((s, shop) => s + shop.lines.reduce((a, l) => a + l.quantity, 0), 0);
    badge.textContent = n ? t('cart.count', { n }) : '';
  } catch {
    badge.textContent = '';
  }
}

// ------------------------------------------------------------------ search

function stockBadge(p) {
  if (!p.stockTracked) return h('span', { class: 'badge ok' }, t('stock.available'));
  const n = Number(p.stock || 0);
  if (n <= 0) return h('span', { class: 'badge bad' }, t('stock.out'));
  if (n <= 5) return h('span', { class: 'badge warn' }, t('stock.low', { n }));
  return h('span', { class: 'badge ok' }, t('stock.available'));
}

function unitPrice(p) {
  if (!p.unitPriceCents || !p.unitPricePer) return null;
  return t('price.per', { price: money(p.unitPriceCents), unit: p.unitPricePer === 'l' ? 'litre' : p.unitPricePer });
}

function addButton(p) {
  const out = p.stockTracked && Number(p.stock || 0) <= 0;
  return h('button', {
    type: 'button', disabled: out, 'aria-label': t('cart.add.named', { name: p.name }),
    onclick: async (e) => {
      e.target.disabled = true;
      try {
        await addOne(p);
        announce(t('cart.added', { name: p.name }));
      } catch (err) {
        announce(err.message);
      } finally {
        e.target.disabled = false;
      }
    },
  }, t('cart.add'));
}

function productCard(p) {
  return h('li', { class: 'card' },
    h('h3', {}, h('a', { href: `#/produit/${p.id}` }, p.name)),
    h('p', { class: 'price' }, money(p.priceCents), ' ', h('span', { class: 'meta' }, t('price.unit', { unit: p.saleUnit }))),
    unitPrice(p) && h('p', { class: 'meta' }, unitPrice(p)),
    h('p', { class: 'meta' }, h('a', { href: `#/commerce/${p.shopId}` }, p.shopName || t('shop.unnamed')),
      p.distanceM && Number(p.distanceM) > 0 ? ` · ${t('distance.at', { d: distance(p.distanceM) })}` : ''),
    labelsList(p.labels),
    h('p', {}, stockBadge(p)),
    addButton(p));
}

function labelsList(labels) {
  if (!labels || !labels.length) return null;
  return h('ul', { class: 'labels', 'aria-label': t('product.labels') }, labels.map((l) => h('li', { class: 'badge' }, t(`label.${l}`))));
}

async function searchView(main, params) {
  const commune = savedCommune();
  const q = params.get('q') || '';
  const state = {
    q, category: params.get('category') || '', label: params.get('label') || '', inStock: params.get('inStock') === '1', openNow: params.get('openNow') === '1',
    maxPrice: params.get('maxPrice') || '', radiusKm: params.get('radiusKm') || '', sort: params.get('sort') || '',
  };

  const qInput = h('input', { type: 'search', name: 'q', value: q, placeholder: t('search.placeholder') });
  const [qList, qStatus] = combobox(qInput, {
    fetch: async (text) => (text.trim().length < 2 ? [] : (await api('GET', '/v1/products:search', { query: { q: text, pageSize: 6, commune: commune && commune.inseeCode } })).products || []),
    label: (p) => `${p.name} — ${p.shopName || ''}`,
    pick: (p) => { location.hash = `#/produit/${p.id}`; },
  });
  const communeInput = h('input', { type: 'text', name: 'commune', value: communeLabel(commune), placeholder: t('commune.placeholder') });
  const [cList, cStatus] = combobox(communeInput, {
    fetch: findCommunes,
    label: (c) => `${c.name} (${c.postalCode || c.departmentCode})`,
    pick: (c) => {
      saveCommune(c);
      communeInput.value = communeLabel(c);
      announce(t('commune.chosen', { name: c.name }));
      go({});
    },
  });
  const form = h('form', { class: 'search-bar', role: 'search', 'aria-label': t('search.title'), onsubmit: (e) => { e.preventDefault(); go({ q: qInput.value }); } },
    field(t('search.label'), qInput),
    field(t('commune.label'), communeInput, { hint: t('commune.hint') }),
    h('button', { type: 'submit' }, t('search.submit')));
  form.querySelector(`#${qInput.id}`).parentElement.append(qList, qStatus);
  form.querySelector(`#${communeInput.id}`).parentElement.append(cList, cStatus);
  if (commune) {
    form.append(h('button', { type: 'button', class: 'secondary', onclick: () => { saveCommune(null); go({}); } }, t('commune.forget')));
  }

  function go(change) {
    const next = { ...state, q: qInput.value, ...change };
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(next)) if (v && v !== '0') p.set(k, v === true ? '1' : v);
    location.hash = `#/?${p}`;
  }

  const filters = h('form', { 'aria-label': t('filters.title'), onchange: () => {
    const data = new FormData(filters);
    go({ category: data.get('category'), label: data.get('label'), inStock: data.get('inStock') === 'on', openNow: data.get('openNow') === 'on',
      maxPrice: data.get('maxPrice'), radiusKm: data.get('radiusKm'), sort: data.get('sort') });
  }, onsubmit: (e) => e.preventDefault() },
  h('h2', {}, t('filters.title')),
  field(t('filters.sort'), h('select', { name: 'sort' }, SORTS.map((s) => h('option', { value: s === 'relevance' ? '' : s, selected: state.sort === s }, t(`sort.${s}`))))),
  field(t('filters.category'), h('select', { name: 'category' }, h('option', { value: '' }, t('filters.all')),
    CATEGORIES.map((c) => h('option', { value: c, selected: state.category === c }, t(`category.${c}`))))),
  field(t('filters.label'), h('select', { name: 'label' }, h('option', { value: '' }, t('filters.all')),
    LABELS.map((l) => h('option', { value: l, selected: state.label === l }, t(`label.${l}`))))),
  field(t('filters.maxPrice'), h('input', { name: 'maxPrice', type: 'number', min: '0', step: '1', inputmode: 'decimal', value: state.maxPrice })),
  field(t('filters.radius'), h('select', { name: 'radiusKm', disabled: !commune }, ['', '5', '10', '20', '50'].map((r) => h('option', { value: r, selected: state.radiusKm === r }, r ? t('filters.radius.km', { n: r }) : t('filters.radius.any')))),
    { hint: commune ? undefined : t('filters.radius.needCommune') }),
  h('div', { class: 'checks' },
    h('label', {}, h('input', { type: 'checkbox', name: 'inStock', checked: state.inStock }), t('filters.inStock')),
    h('label', {}, h('input', { type: 'checkbox', name: 'openNow', checked: state.openNow }), t('filters.openNow'))));

  const results = h('section', { 'aria-labelledby': 'titre-resultats' });
  clear(main,
    h('h1', {}, commune ? t('search.title.near', { name: commune.name }) : t('search.title')),
    form,
    h('div', { class: 'layout' }, h('aside', {}, filters), results));

  clear(results, h('h2', { id: 'titre-resultats' }, t('search.results')), h('p', { role: 'status' }, t('loading')));
  const query = { q: state.q, category: state.category, label: state.label, inStock: state.inStock,
    sort: state.sort, pageSize: 24, facets: true };
  if (state.maxPrice) query.maxPrice = Math.round(Number(state.maxPrice) * 100);
  if (commune && commune.latitude) {
    query.near = `${commune.latitude},${commune.longitude}`;
    if (state.radiusKm) query.radiusKm = state.radiusKm;
    if (!state.sort && !state.q) query.sort = 'distance';
  }
  if (!commune && state.sort === 'distance') delete query.sort;
  let res;
  try {
    res = await api('GET', '/v1/products:search', { query });
  } catch (e) {
    clear(results, h('h2', { id: 'titre-resultats' }, t('search.results')), h('p', { class: 'form-error', role: 'alert' }, e.message));
    return;
  }
  let products = res.products || [];
  let openNote = null;
  if (state.openNow) {
    // The product search has no "open now" filter: keep the products of the shops the shop
    // directory says are open now.
    try {
      const open = await api('GET', '/v1/shops', { query: { openNow: true, pageSize: 100, near: query.near, radiusKm: query.near ? state.radiusKm || 50 : undefined } });
      const ids = new Set((open.shops || []).map((x) => x.id));
      products = products.filter((p) => ids.has(p.shopId));
    } catch {
      openNote = h('p', { class: 'notice' }, t('filters.openNow.unavailable'));
    }
  }
  const heading = h('h2', { id: 'titre-resultats' }, t('search.count', { n: products.length }));
  clear(results, heading, openNote, h('p', { class: 'visually-hidden', role: 'status' }, t('search.count', { n: products.length })),
    products.length ? h('ul', { class: 'cards' }, products.map(productCard)) : h('p', {}, t('search.none')),
    res.nextPageToken ? moreButton(results, query, res.nextPageToken) : null);
}

function moreButton(results, query, token) {
  const button = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    button.disabled = true;
    const res = await api('GET', '/v1/products:search', { query: { ...query, pageToken: token } });
    results.querySelector('.cards').append(...(res.products || []).map(productCard));
    announce(t('search.more.loaded', { n: (res.products || []).length }));
    button.replaceWith(res.nextPageToken ? moreButton(results, query, res.nextPageToken) : '');
  } }, t('search.more'));
  return button;
}

// ------------------------------------------------------------------ shop and product

function hoursTable(hours) {
  const weekly = (hours && hours.weekly) || [];
  const byDay = new Map(weekly.map((d) => [d.weekday, d.ranges || []]));
  return h('table', {},
    h('caption', { class: 'visually-hidden' }, t('shop.hours')),
    h('tbody', {}, WEEKDAYS.map((d) => h('tr', {},
      h('th', { scope: 'row' }, t(`weekday.${d}`)),
      h('td', {}, (byDay.get(d) || []).length ? byDay.get(d).map((r) => `${r.open}–${r.close}`).join(', ') : t('shop.closed'))))));
}

function openState(shop) {
  if (shop.openNow) {
    return h('p', {}, h('span', { class: 'badge ok' }, t('shop.openNow')),
      shop.nextClosingTime ? ` ${t('shop.closesAt', { time: time(shop.nextClosingTime) })}` : '');
  }
  return h('p', {}, h('span', { class: 'badge warn' }, t('shop.closedNow')),
    shop.nextOpeningTime ? ` ${t('shop.opensAt', { when: when(shop.nextOpeningTime) })}` : '');
}

async function shopView(main, ref) {
  const shop = await api('GET', `/v1/shops/${encodeURIComponent(ref)}`);
  const list = await api('GET', `/v1/shops/${shop.id}/products`, { query: { pageSize: 100 } }).catch(() => ({ products: [] }));
  const products = (list.products || []).filter((p) => p.visible !== false).map((p) => ({ ...p, shopName: shop.name }));
  clear(main,
    h('h1', {}, shop.name),
    h('p', { class: 'meta' }, t(`shopCategory.${shop.category}`), ' · ', [shop.streetAddress, shop.postalCode, shop.communeName].filter(Boolean).join(', ')),
    openState(shop),
    shop.description && h('p', {}, shop.description),
    h('h2', {}, t('shop.fulfilment')),
    h('ul', {},
      shop.clickAndCollect ? h('li', {}, t('shop.clickAndCollect', { n: shop.preparationMinutes || 0 })) : null,
      h('li', {}, t('shop.delivery.maybe'))),
    h('h2', {}, t('shop.hours')),
    h('div', { class: 'table-wrap' }, hoursTable(shop.openingHours)),
    h('h2', {}, t('shop.contact')),
    h('ul', {},
      shop.phone && h('li', {}, t('shop.phone'), ' ', h('a', { href: `tel:${shop.phone.replace(/\s/g, '')}` }, shop.phone)),
      shop.email && h('li', {}, h('a', { href: `mailto:${shop.email}` }, shop.email)),
      shop.website && h('li', {}, h('a', { href: shop.website, rel: 'noopener' }, shop.website))),
    h('h2', {}, t('shop.products', { n: products.length })),
    products.length ? h('ul', { class: 'cards' }, products.map(productCard)) : h('p', {}, t('shop.noProducts')));
}

async function productView(main, id) {
  const p = await api('GET', `/v1/products/${encodeURIComponent(id)}`);
  const shop = await api('GET', `/v1/shops/${p.shopId}`).catch(() => null);
  if (shop) p.shopName = shop.name;
  clear(main,
    h('p', {}, h('a', { href: `#/commerce/${shop ? shop.slug : p.shopId}` }, t('product.backToShop', { name: p.shopName || '' }))),
    h('h1', {}, p.name),
    h('p', { class: 'price' }, money(p.priceCents), ' ', h('span', { class: 'meta' }, t('price.unit', { unit: p.saleUnit }))),
    unitPrice(p) && h('p', { class: 'meta' }, unitPrice(p)),
    h('p', {}, stockBadge(p)),
    labelsList(p.labels),
    p.description && h('p', {}, p.description),
    h('h2', {}, t('product.allergens')),
    h('p', {}, (p.allergens || []).length ? p.allergens.map((a) => t(`allergen.${a}`)).join(', ') : t('product.allergens.none')),
    h('p', { class: 'meta' }, t('product.vat', { rate: (p.vatRateBp / 100).toLocaleString('fr-FR') })),
    addButton(p));
}

// ------------------------------------------------------------------ cart

async function cartView(main) {
  const cart = await getCart();
  const shops = cart.shops || [];
  const qtyInput = (line) => {
    const input = h('input', { type: 'number', min: '0', max: '999', value: String(line.quantity), inputmode: 'numeric',
      'aria-label': t('cart.quantity.named', { name: line.name }) });
    input.addEventListener('change', async () => {
      try {
        await setItem({ id: line.productId, shopId: line.shopId, name: line.name, saleUnit: line.saleUnit, unitPriceCents: line.unitPriceCents }, Number(input.value));
        announce(t('cart.updated'));
        cartView(main);
      } catch (e) {
        announce(e.message);
      }
    });
    return input;
  };
  clear(main, h('h1', {}, t('cart.title')),
    shops.length === 0 ? h('p', {}, t('cart.empty'), ' ', h('a', { href: '#/' }, t('cart.browse'))) : [
      shops.map((s) => h('section', { 'aria-labelledby': `panier-${s.shopId}` },
        h('h2', { id: `panier-${s.shopId}` }, s.shopName || t('shop.unnamed')),
        h('div', { class: 'table-wrap' }, h('table', {},
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('cart.product')), h('th', { scope: 'col' }, t('cart.unitPrice')),
            h('th', { scope: 'col' }, t('cart.quantity')), h('th', { scope: 'col' }, t('cart.lineTotal')), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('cart.actions'))))),
          h('tbody', {}, s.lines.map((l) => h('tr', {},
            h('td', {}, h('a', { href: `#/produit/${l.productId}` }, l.name), ' ', h('span', { class: 'meta' }, l.saleUnit),
              l.problem ? h('p', { class: 'field-error' }, l.problem) : null),
            h('td', {}, money(l.unitPriceCents)),
            h('td', {}, qtyInput(l)),
            h('td', {}, money(l.lineTotalCents)),
            h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': t('cart.remove.named', { name: l.name }),
              onclick: async () => { await setItem({ id: l.productId }, 0); announce(t('cart.removed', { name: l.name })); cartView(main); } }, t('cart.remove')))))),
          h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '3' }, t('cart.subtotal')), h('td', { colspan: '2' }, money(s.subtotalCents)))))))),
      h('p', { class: 'price' }, t('cart.total', { total: money(cart.totalCents) })),
      cart.hasProblems ? h('p', { class: 'form-error' }, t('cart.problems')) : null,
      h('p', {}, h('a', { class: 'btn', href: '#/commande' }, t('cart.checkout'))),
    ]);
}

// ------------------------------------------------------------------ checkout

// Slot times come as timestamps (or "HH:MM" local times): shown in Paris time.
const clock = (v) => (String(v || '').includes('T') ? time(v) : String(v || '').slice(0, 5));

async function checkoutView(main) {
  if (!isLoggedIn()) {
    sessionStorage.setItem('comptoir.after-login', '#/commande');
    clear(main, h('h1', {}, t('checkout.title')), h('p', {}, t('checkout.needLogin')), h('p', {}, h('a', { class: 'btn', href: '#/compte' }, t('account.login'))));
    return;
  }
  const cart = await getCart();
  if (!(cart.shops || []).length) {
    clear(main, h('h1', {}, t('checkout.title')), h('p', {}, t('cart.empty')));
    return;
  }
  const me = account() || {};
  const key = sessionStorage.getItem('comptoir.checkout-key') || newKey();
  sessionStorage.setItem('comptoir.checkout-key', key);
  const form = h('form', { novalidate: true });
  const parts = [];
  for (const s of cart.shops) {
    const part = await shopFulfilment(s);
    parts.push(part);
    form.append(part.element);
  }
  form.append(
    h('h2', {}, t('checkout.contact')),
    field(t('checkout.name'), h('input', { name: 'customerName', autocomplete: 'name', required: true, value: me.displayName || '' })),
    field(t('checkout.phone'), h('input', { name: 'customerPhone', type: 'tel', autocomplete: 'tel', required: true }), { hint: t('checkout.phone.hint') }),
    h('p', {}, t('checkout.payment')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    h('button', { type: 'submit' }, t('checkout.submit', { total: money(cart.totalCents) })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const fulfilments = parts.map((p) => p.value());
    if (fulfilments.some((f) => !f.slotId)) {
      showErrors(form, new ApiError(400, { detail: t('checkout.chooseSlot') }));
      return;
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const checkout = await api('POST', '/v1/checkouts', {
        headers: { 'idempotency-key': key },
        // The key travels in the body too, for gateways that do not pass the header on.
        body: { idempotencyKey: key, fulfilments, customerName: data.get('customerName'), customerPhone: data.get('customerPhone'), paymentMethod: 'on_site' },
      });
      sessionStorage.removeItem('comptoir.checkout-key');
      window.dispatchEvent(new CustomEvent('comptoir:cart'));
      clear(main, h('h1', {}, t('checkout.done')),
        h('p', { role: 'status' }, t('checkout.done.text')),
        h('ul', {}, (checkout.orders || []).map((o) => h('li', {}, t('order.line', { number: o.number, shop: o.shopName, total: money(o.totalCents) })))),
        h('p', {}, h('a', { href: '#/compte' }, t('checkout.follow'))));
    } catch (err) {
      button.disabled = false;
      showErrors(form, err);
    }
  });
  clear(main, h('h1', {}, t('checkout.title')), form);
}

async function shopFulfilment(s) {
  const shop = await api('GET', `/v1/shops/${s.shopId}`).catch(() => ({ id: s.shopId, name: s.shopName }));
  const group = `mode-${s.shopId}`;
  const slotBox = h('div', {});
  const deliveryBox = h('div', { hidden: true });
  let kind = 'pickup';
  let slotId = '';
  const slotSelect = (slots, note) => {
    slotId = '';
    if (!slots.length) return clear(slotBox, h('p', { class: 'notice' }, note || t('checkout.noSlots')));
    const name = `creneau-${s.shopId}-${kind}`;
    return clear(slotBox, h('fieldset', {}, h('legend', {}, kind === 'pickup' ? t('checkout.pickupSlot') : t('checkout.deliverySlot')),
      h('div', { class: 'checks' }, slots.map((slot) => h('label', {},
        h('input', { type: 'radio', name, value: slot.id, disabled: slot.remaining <= 0, onchange: () => { slotId = slot.id; } }),
        t('checkout.slot', { day: day(slot.date), start: clock(slot.startTime), end: clock(slot.endTime), n: slot.remaining }))))));
  };
  const loadPickup = async () => {
    const res = await api('GET', `/v1/shops/${s.shopId}/slots`, { query: { kind: 'SLOT_KIND_PICKUP', days: 7 } }).catch(() => ({ slots: [] }));
    slotSelect(res.slots || []);
  };
  const address = h('input', { name: `adresse-${s.shopId}`, autocomplete: 'street-address' });
  const communeInput = h('input', { name: `commune-${s.shopId}` });
  let commune = savedCommune();
  if (commune) communeInput.value = communeLabel(commune);
  const quoteBox = h('div', { role: 'status' });
  const quote = async () => {
    if (!commune) return;
    try {
      const q = await api('POST', '/v1/delivery-quotes', { body: { shop: s.shopId, communeInsee: commune.inseeCode, basketCents: s.subtotalCents } });
      if (!q.deliverable) {
        clear(quoteBox, h('p', { class: 'notice' }, q.refusal || t('checkout.notDeliverable')));
        slotSelect([]);
        return;
      }
      clear(quoteBox, h('p', {}, Number(q.feeCents) ? t('checkout.fee', { fee: money(q.feeCents) }) : t('checkout.feeFree')));
      slotSelect(q.nextSlots || []);
    } catch (e) {
      clear(quoteBox, h('p', { class: 'notice' }, t('checkout.deliveryUnavailable')));
      slotSelect([]);
    }
  };
  const [cList, cStatus] = combobox(communeInput, {
    fetch: findCommunes, label: (c) => `${c.name} (${c.postalCode || c.departmentCode})`,
    pick: (c) => { commune = c; communeInput.value = communeLabel(c); quote(); },
  });
  const communeField = field(t('checkout.commune'), communeInput);
  communeField.append(cList, cStatus);
  communeField.style.position = 'relative';
  deliveryBox.append(field(t('checkout.address'), address), communeField, quoteBox);
  const radio = (value, label) => h('label', {}, h('input', { type: 'radio', name: group, value, checked: value === 'pickup', onchange: () => {
    kind = value;
    deliveryBox.hidden = value !== 'delivery';
    if (value === 'pickup') loadPickup();
    else if (commune) quote();
    else slotSelect([], t('checkout.chooseCommune'));
  } }), label);
  await loadPickup();
  const element = h('section', { 'aria-labelledby': `cmd-${s.shopId}` },
    h('h2', { id: `cmd-${s.shopId}` }, t('checkout.shop', { name: shop.name || s.shopName, total: money(s.subtotalCents) })),
    h('fieldset', {}, h('legend', {}, t('checkout.mode')), h('div', { class: 'checks' },
      radio('pickup', shop.clickAndCollect === false ? t('checkout.pickup') : t('checkout.pickup.prep', { n: shop.preparationMinutes || 0 })),
      radio('delivery', t('checkout.delivery')))),
    deliveryBox, slotBox);
  return {
    element,
    value: () => {
      const f = { shopId: s.shopId, kind, slotId };
      if (kind === 'delivery' && commune) {
        Object.assign(f, { deliveryAddress: address.value, deliveryCommuneInsee: commune.inseeCode, deliveryPostalCode: commune.postalCode });
      }
      return f;
    },
  };
}

// ------------------------------------------------------------------ account

const STATUS_BADGE = { placed: 'warn', accepted: 'ok', ready: 'ok', collected: 'ok', delivered: 'ok', out_for_delivery: 'ok',
  rejected: 'bad', cancelled: 'bad', delivery_failed: 'bad', failed: 'bad', pending: 'warn' };

function afterLogin() {
  window.dispatchEvent(new CustomEvent('comptoir:cart'));
  const next = sessionStorage.getItem('comptoir.after-login');
  sessionStorage.removeItem('comptoir.after-login');
  if (next && next !== location.hash) location.hash = next;
  else window.dispatchEvent(new HashChangeEvent('hashchange'));
}

let orderPoll = null;
async function accountView(main) {
  clearInterval(orderPoll);
  if (!isLoggedIn()) return authForms(main, { onDone: afterLogin });
  const me = account() || {};
  const ordersBox = h('section', { 'aria-labelledby': 'titre-commandes' }, h('h2', { id: 'titre-commandes' }, t('orders.mine')));
  const live = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const known = new Map();
  const renderOrders = async () => {
    let res;
    try {
      res = await api('GET', '/v1/orders', { query: { pageSize: 50 } });
    } catch (e) {
      clear(ordersBox, h('h2', { id: 'titre-commandes' }, t('orders.mine')), h('p', { class: 'notice' }, t('orders.unavailable')));
      return;
    }
    const orders = res.orders || [];
    for (const o of orders) {
      if (known.has(o.id) && known.get(o.id) !== o.status) live.textContent = t('orders.changed', { number: o.number, status: t(`status.${o.status}`) });
      known.set(o.id, o.status);
    }
    clear(ordersBox, h('h2', { id: 'titre-commandes' }, t('orders.mine')), live,
      orders.length ? h('ul', { class: 'stack', style: 'list-style:none;padding:0' }, orders.map((o) => h('li', { class: 'order', dataset: { order: o.id } },
        h('h3', {}, t('order.title', { number: o.number, shop: o.shopName })),
        h('p', {}, h('span', { class: `badge ${STATUS_BADGE[o.status] || ''}`, dataset: { status: o.status } }, t(`status.${o.status}`)),
          o.statusReason ? ` — ${o.statusReason}` : ''),
        h('p', { class: 'meta' }, o.fulfilment === 'delivery' ? t('order.delivery') : t('order.pickup'),
          o.slotStart ? ` · ${when(o.slotStart)}–${time(o.slotEnd)}` : '', ` · ${money(o.totalCents)}`),
        h('ul', {}, (o.lines || []).map((l) => h('li', {}, `${l.quantity} × ${l.name} (${l.saleUnit})`))),
        (o.status === 'placed' || o.status === 'accepted') ? h('button', { type: 'button', class: 'secondary', onclick: async () => {
          if (!confirm(t('order.cancel.confirm', { number: o.number }))) return;
          await api('POST', `/v1/orders/${o.id}:cancel`, { body: { reason: t('order.cancel.reason') } }).catch((e) => announce(e.message));
          renderOrders();
        } }, t('order.cancel')) : null))) : h('p', {}, t('orders.none')));
  };
  clear(main, h('h1', {}, t('account.hello', { name: me.displayName || me.email || '' })),
    h('p', {}, me.email),
    h('p', { class: 'row' },
      (me.roles || []).some((r) => r === 'shopkeeper' || r === 'shop_member') || (me.shopIds || []).length ? h('a', { class: 'btn secondary', href: '/pro/' }, t('nav.backoffice')) : null,
      h('button', { type: 'button', class: 'secondary', onclick: async () => { await logout(); announce(t('account.loggedOut')); accountView(main); } }, t('account.logout'))),
    ordersBox,
    h('section', { 'aria-labelledby': 'titre-donnees' }, h('h2', { id: 'titre-donnees' }, t('account.data')),
      h('p', {}, t('account.data.text')),
      h('p', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: exportData }, t('account.export')),
        h('button', { type: 'button', class: 'danger', onclick: eraseAccount }, t('account.erase')))));
  await renderOrders();
  // Residents have no stream of their own orders: a light poll keeps the status live.
  orderPoll = setInterval(() => { if (location.hash.startsWith('#/compte')) renderOrders(); else clearInterval(orderPoll); }, 5000);
}

async function exportData() {
  try {
    const data = await api('GET', '/v1/accounts/me:export');
    const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: 'comptoir-mes-donnees.json' });
    document.body.append(a);
    a.click();
    a.remove();
    announce(t('account.export.done'));
  } catch (e) {
    announce(e.message);
  }
}

async function eraseAccount() {
  if (!confirm(t('account.erase.confirm'))) return;
  try {
    await api('DELETE', '/v1/accounts/me');
    saveSession(null);
    announce(t('account.erase.done'));
    location.hash = '#/';
  } catch (e) {
    announce(e.message);
  }
}

router([
  [/^#\/?$/, (main, params) => searchView(main, params)],
  [/^#\/commerce\/([^/]+)$/, shopView],
  [/^#\/produit\/([^/]+)$/, productView],
  [/^#\/panier$/, cartView],
  [/^#\/commande$/, checkoutView],
  [/^#\/compte$/, accountView],
], (main) => clear(main, h('h1', {}, t('error.notFound')), h('p', {}, h('a', { href: '#/' }, t('nav.home')))));
