// The shopkeepers' back office: their shops and review status, profile and hours, products
// with quick stock and price edits (If-Match: the gateway's "v<version>" ETag), CSV import
// and export, the live order inbox, delivery zones and slot templates.
import { api, account, logout, reloadAccount, session, watch } from './api.js';
import { t } from './i18n.js';
import { announce, clear, field, h, showErrors } from './dom.js';
import { day, hhmm, minutes, money, parseMoney, time, when } from './format.js';
import { authForms } from './auth.js';
import { combobox } from './combobox.js';
import { findCommunes } from './communes.js';
import { checkCsv, toCsv } from './csv.js';
import { isLoggedIn, router, startShell } from './shell.js';

const SHOP_CATEGORIES = ['boulangerie', 'boucherie-charcuterie', 'fromagerie', 'primeur', 'epicerie', 'caviste',
  'poissonnerie', 'librairie', 'fleuriste', 'quincaillerie', 'producteur', 'artisan', 'autre'];
const PRODUCT_CATEGORIES = ['fromage', 'cremerie', 'boulangerie', 'patisserie', 'viande', 'charcuterie', 'poisson',
  'fruits-legumes', 'epicerie', 'vin', 'biere', 'spiritueux', 'boisson', 'livre', 'fleur', 'maison', 'autre'];
const LABELS = ['bio', 'aop-aoc', 'igp', 'label-rouge', 'fait-maison', 'local'];
const ALLERGENS = ['gluten', 'crustaces', 'oeufs', 'poissons', 'arachides', 'soja', 'lait', 'fruits-a-coque', 'celeri',
  'moutarde', 'sesame', 'sulfites', 'lupin', 'mollusques'];
const VAT = [210, 550, 1000, 2000];
const STATUS_CLASS = { active: 'ok', pending: 'warn', suspended: 'bad', closed: 'bad' };

startShell();

function needLogin(main) {
  authForms(main, { title: t('bo.title'), intro: t('bo.intro'), onDone: () => window.dispatchEvent(new HashChangeEvent('hashchange')) });
}

function shopNav(shop, current) {
  const links = [['', 'bo.nav.profile'], ['/produits', 'bo.nav.products'], ['/commandes', 'bo.nav.orders'], ['/livraison', 'bo.nav.delivery']];
  return h('nav', { 'aria-label': t('bo.nav.shop', { name: shop.name }) }, h('ul', { class: 'row', style: 'list-style:none;padding:0' },
    h('li', {}, h('a', { href: '#/' }, t('bo.nav.shops'))),
    links.map(([suffix, key]) => h('li', {}, h('a', { href: `#/boutique/${shop.id}${suffix}`, 'aria-current': current === key ? 'page' : null }, t(key))))));
}

function statusBadge(shop) {
  return h('span', { class: `badge ${STATUS_CLASS[shop.status] || ''}`, dataset: { status: shop.status } }, t(`shopStatus.${shop.status}`));
}

// ------------------------------------------------------------------ my shops

async function homeView(main) {
  if (!isLoggedIn()) return needLogin(main);
  const me = await reloadAccount().catch(() => account());
  const shops = [];
  for (const id of (me && me.shopIds) || []) {
    shops.push(await api('GET', `/v1/shops/${id}`).catch(() => ({ id, name: id, status: 'unknown' })));
  }
  const form = h('form', { 'aria-labelledby': 'titre-creer' },
    h('h2', { id: 'titre-creer' }, t('bo.create')),
    h('p', {}, t('bo.create.text')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('bo.shop.name'), h('input', { name: 'name', required: true, maxlength: '120' })),
    field(t('bo.shop.category'), h('select', { name: 'category' }, SHOP_CATEGORIES.map((c) => h('option', { value: c }, t(`shopCategory.${c}`))))),
    field(t('bo.shop.siret'), h('input', { name: 'siret', inputmode: 'numeric', required: true, pattern: '[0-9 ]{14,17}' }), { hint: t('bo.shop.siret.hint') }),
    communeField('communeInsee'),
    field(t('bo.shop.address'), h('input', { name: 'streetAddress', autocomplete: 'street-address' })),
    field(t('bo.shop.phone'), h('input', { name: 'phone', type: 'tel' })),
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'clickAndCollect', checked: true }), t('bo.shop.clickAndCollect'))),
    h('button', { type: 'submit' }, t('bo.create.submit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    try {
      const shop = await api('POST', '/v1/shops', { body: {
        name: d.get('name'), category: d.get('category'), siret: String(d.get('siret')).replace(/\s/g, ''),
        communeInsee: d.get('communeInsee'), streetAddress: d.get('streetAddress'), phone: d.get('phone'),
        clickAndCollect: d.get('clickAndCollect') === 'on', preparationMinutes: 60,
      } });
      announce(t('bo.created', { name: shop.name }));
      await reloadAccount().catch(() => {});
      location.hash = `#/boutique/${shop.id}`;
    } catch (err) {
      showErrors(form, err);
    }
  });
  clear(main, h('h1', {}, t('bo.title')),
    h('p', { class: 'row' }, t('bo.signedIn', { name: (me && (me.displayName || me.email)) || '' }),
      h('button', { type: 'button', class: 'secondary', onclick: async () => { await logout(); homeView(main); } }, t('logout'))),
    h('h2', {}, t('bo.myShops')),
    shops.length ? h('ul', { class: 'cards' }, shops.map((s) => h('li', { class: 'card' },
      h('h3', {}, h('a', { href: `#/boutique/${s.id}` }, s.name)),
      h('p', {}, statusBadge(s)),
      s.status === 'pending' ? h('p', { class: 'meta' }, t('bo.pending.text')) : null,
      s.statusReason ? h('p', { class: 'meta' }, t('bo.reason', { reason: s.statusReason })) : null,
      h('p', { class: 'row' }, h('a', { href: `#/boutique/${s.id}/commandes` }, t('bo.nav.orders')), h('a', { href: `#/boutique/${s.id}/produits` }, t('bo.nav.products')))))) : h('p', {}, t('bo.noShop')),
    form);
}

function communeField(name, initial = '') {
  const hidden = h('input', { type: 'hidden', name, value: initial });
  const input = h('input', { type: 'text', autocomplete: 'off', 'aria-describedby': '' });
  const [list, status] = combobox(input, {
    fetch: findCommunes, label: (c) => `${c.name} (${c.postalCode || c.departmentCode}) — ${c.inseeCode}`,
    pick: (c) => { hidden.value = c.inseeCode; input.value = `${c.name} (${c.postalCode || ''})`; },
  });
  // A 5-character INSEE code typed directly is accepted too.
  input.addEventListener('change', () => { if (/^\d[\dAB]\d{3}$/.test(input.value.trim())) hidden.value = input.value.trim(); });
  const f = field(t('bo.shop.commune'), input, { hint: t('bo.shop.commune.hint') });
  f.style.position = 'relative';
  f.append(list, status, hidden);
  return f;
}

// ------------------------------------------------------------------ profile and hours

async function profileView(main, id) {
  if (!isLoggedIn()) return needLogin(main);
  const shop = await api('GET', `/v1/shops/${id}`);
  const form = h('form', { 'aria-labelledby': 'titre-profil' },
    h('h2', { id: 'titre-profil' }, t('bo.profile')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('bo.shop.name'), h('input', { name: 'name', value: shop.name, required: true })),
    field(t('bo.shop.description'), h('textarea', { name: 'description', rows: '4' }, shop.description || '')),
    field(t('bo.shop.address'), h('input', { name: 'streetAddress', value: shop.streetAddress || '' })),
    field(t('bo.shop.phone'), h('input', { name: 'phone', type: 'tel', value: shop.phone || '' })),
    field(t('bo.shop.email'), h('input', { name: 'email', type: 'email', value: shop.email || '' })),
    field(t('bo.shop.website'), h('input', { name: 'website', type: 'url', value: shop.website || '' })),
    field(t('bo.shop.prep'), h('input', { name: 'preparationMinutes', type: 'number', min: '0', max: '10080', value: String(shop.preparationMinutes || 0) })),
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'clickAndCollect', checked: !!shop.clickAndCollect }), t('bo.shop.clickAndCollect'))),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const profile = { name: d.get('name'), description: d.get('description'), streetAddress: d.get('streetAddress'), phone: d.get('phone'),
      email: d.get('email'), website: d.get('website'), preparationMinutes: Number(d.get('preparationMinutes')), clickAndCollect: d.get('clickAndCollect') === 'on' };
    try {
      await api('PATCH', `/v1/shops/${id}`, { query: { updateMask: Object.keys(profile).join(',') }, body: profile });
      showErrors(form, null);
      announce(t('saved'));
    } catch (err) {
      showErrors(form, err);
    }
  });
  clear(main, h('h1', {}, shop.name), shopNav(shop, 'bo.nav.profile'),
    h('p', {}, t('bo.status'), ' ', statusBadge(shop), shop.statusReason ? ` — ${shop.statusReason}` : ''),
    shop.status === 'pending' ? h('p', { class: 'notice' }, t('bo.pending.text')) : null,
    shop.status === 'active' ? h('p', {}, h('a', { href: `/#/commerce/${shop.slug}` }, t('bo.seePublic'))) : null,
    form, hoursForm(shop));
}

function hoursForm(shop) {
  const weekly = new Map(((shop.openingHours && shop.openingHours.weekly) || []).map((d) => [d.weekday, d.ranges || []]));
  const exceptions = (shop.openingHours && shop.openingHours.exceptions) || [];
  const rows = [1, 2, 3, 4, 5, 6, 7].map((d) => {
    const input = h('input', { name: `jour-${d}`, value: (weekly.get(d) || []).map((r) => `${r.open}-${r.close}`).join(', '), placeholder: '08:00-12:30, 14:30-19:00' });
    return field(t(`weekday.${d}`), input);
  });
  const closures = h('textarea', { name: 'fermetures', rows: '3', placeholder: '2026-12-24 2026-12-26 Congés de Noël' },
    exceptions.filter((x) => x.closed).map((x) => `${x.startDate} ${x.endDate || x.startDate} ${x.label || ''}`.trim()).join('\n'));
  const form = h('form', { 'aria-labelledby': 'titre-horaires' },
    h('h2', { id: 'titre-horaires' }, t('bo.hours')),
    h('p', { class: 'hint' }, t('bo.hours.hint')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    rows, field(t('bo.closures'), closures, { hint: t('bo.closures.hint') }),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const hours = { weekly: [], exceptions: [] };
    for (let day = 1; day <= 7; day++) {
      const ranges = String(d.get(`jour-${day}`) || '').split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
        const [open, close] = s.split(/\s*[-–à]\s*/);
        return { open: (open || '').padStart(5, '0'), close: (close || '').padStart(5, '0') };
      });
      if (ranges.length) hours.weekly.push({ weekday: day, ranges });
    }
    for (const line of String(d.get('fermetures') || '').split('\n').map((s) => s.trim()).filter(Boolean)) {
      const [startDate, endDate, ...label] = line.split(/\s+/);
      hours.exceptions.push({ startDate, endDate: /^\d{4}-\d{2}-\d{2}$/.test(endDate || '') ? endDate : startDate, closed: true,
        label: (/^\d{4}-\d{2}-\d{2}$/.test(endDate || '') ? label : [endDate, ...label]).filter(Boolean).join(' ') });
    }
    try {
      await api('PUT', `/v1/shops/${shop.id}/hours`, { body: hours });
      showErrors(form, null);
      announce(t('saved'));
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

// ------------------------------------------------------------------ products

async function productsView(main, id) {
  if (!isLoggedIn()) return needLogin(main);
  const shop = await api('GET', `/v1/shops/${id}`);
  const products = [];
  let token = '';
  do {
    const res = await api('GET', `/v1/shops/${id}/products`, { query: { pageSize: 100, pageToken: token } });
    products.push(...(res.products || []));
    token = res.nextPageToken || '';
  } while (token && products.length < 2000);

  const rows = products.map((p) => productRow(p));
  clear(main, h('h1', {}, t('bo.products.title', { name: shop.name })), shopNav(shop, 'bo.nav.products'),
    h('p', { class: 'row' },
      h('a', { class: 'btn', href: `#/boutique/${id}/produit/nouveau` }, t('bo.product.new')),
      h('button', { type: 'button', class: 'secondary', onclick: () => exportCsv(shop, products) }, t('bo.export'))),
    products.length ? h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', { class: 'visually-hidden' }, t('bo.products.caption')),
      h('thead', {}, h('tr', {}, ['bo.col.product', 'bo.col.price', 'bo.col.stock', 'bo.col.visible', 'bo.col.actions'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, rows))) : h('p', {}, t('bo.products.none')),
    importSection(shop, () => productsView(main, id)));
}

function productRow(p) {
  let current = p;
  const price = h('input', { type: 'text', inputmode: 'decimal', value: (Number(p.priceCents) / 100).toFixed(2).replace('.', ','), 'aria-label': t('bo.price.named', { name: p.name }) });
  const stock = h('input', { type: 'number', min: '0', value: String(p.stock || 0), disabled: !p.stockTracked, 'aria-label': t('bo.stock.named', { name: p.name }) });
  const state = h('span', { role: 'status', class: 'meta' });
  const save = async (mask, body) => {
    try {
      current = await api('PATCH', `/v1/products/${p.id}`, {
        query: { updateMask: mask }, headers: { 'if-match': `"v${current.version}"` }, body: { ...body, version: current.version },
      });
      state.textContent = t('saved');
    } catch (err) {
      state.textContent = err.status === 409 || err.status === 412 ? t('bo.conflict') : err.message;
      if (err.status === 409 || err.status === 412) {
        current = await api('GET', `/v1/products/${p.id}`);
        price.value = (Number(current.priceCents) / 100).toFixed(2).replace('.', ',');
        stock.value = String(current.stock || 0);
      }
    }
  };
  price.addEventListener('change', () => {
    const cents = parseMoney(price.value);
    if (cents === null) { state.textContent = t('bo.price.invalid'); return; }
    save('priceCents', { priceCents: cents });
  });
  stock.addEventListener('change', () => save('stock', { stock: Number(stock.value) }));
  return h('tr', { dataset: { sku: p.sku } },
    h('th', { scope: 'row' }, h('a', { href: `#/boutique/${p.shopId}/produit/${p.id}` }, p.name), h('br'), h('span', { class: 'meta' }, `${p.sku} · ${p.saleUnit}`)),
    h('td', {}, price),
    h('td', {}, p.stockTracked ? stock : t('bo.stock.untracked')),
    h('td', {}, p.visible === false ? t('bo.hidden') : t('bo.visible')),
    h('td', {}, state));
}

async function productEditor(main, shopId, productId) {
  if (!isLoggedIn()) return needLogin(main);
  const shop = await api('GET', `/v1/shops/${shopId}`);
  const isNew = productId === 'nouveau';
  const p = isNew ? { labels: [], allergens: [], vatRateBp: 550, stockTracked: true, stock: 0, visible: true } : await api('GET', `/v1/products/${productId}`);
  const checks = (name, values, chosen, prefix) => h('fieldset', {}, h('legend', {}, t(`bo.product.${name}`)), h('div', { class: 'checks' },
    values.map((v) => h('label', {}, h('input', { type: 'checkbox', name, value: v, checked: (chosen || []).includes(v) }), t(`${prefix}.${v}`)))));
  const form = h('form', { novalidate: true },
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('bo.product.sku'), h('input', { name: 'sku', value: p.sku || '', required: true })),
    field(t('bo.product.name'), h('input', { name: 'name', value: p.name || '', required: true })),
    field(t('bo.product.description'), h('textarea', { name: 'description', rows: '3' }, p.description || '')),
    field(t('bo.product.category'), h('select', { name: 'category' }, PRODUCT_CATEGORIES.map((c) => h('option', { value: c, selected: p.category === c }, t(`category.${c}`))))),
    field(t('bo.product.price'), h('input', { name: 'priceCents', inputmode: 'decimal', value: p.priceCents ? (Number(p.priceCents) / 100).toFixed(2).replace('.', ',') : '' })),
    field(t('bo.product.vat'), h('select', { name: 'vatRateBp' }, VAT.map((v) => h('option', { value: String(v), selected: p.vatRateBp === v }, `${(v / 100).toLocaleString('fr-FR')} %`)))),
    field(t('bo.product.saleUnit'), h('input', { name: 'saleUnit', value: p.saleUnit || '', placeholder: '250 g' })),
    h('div', { class: 'row' },
      field(t('bo.product.netQuantity'), h('input', { name: 'netQuantity', type: 'number', min: '0', value: String(p.netQuantity || '') })),
      field(t('bo.product.netUnit'), h('select', { name: 'netQuantityUnit' }, ['', 'g', 'kg', 'ml', 'cl', 'l'].map((u) => h('option', { value: u, selected: (p.netQuantityUnit || '') === u }, u || t('bo.product.netUnit.none')))))),
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'stockTracked', checked: !!p.stockTracked }), t('bo.product.stockTracked'))),
    field(t('bo.product.stock'), h('input', { name: 'stock', type: 'number', min: '0', value: String(p.stock || 0) })),
    h('div', { class: 'checks' }, h('label', {}, h('input', { type: 'checkbox', name: 'visible', checked: p.visible !== false }), t('bo.product.visible'))),
    checks('labels', LABELS, p.labels, 'label'),
    checks('allergens', ALLERGENS, p.allergens, 'allergen'),
    h('button', { type: 'submit' }, t('save')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const d = new FormData(form);
    const body = {
      sku: d.get('sku'), name: d.get('name'), description: d.get('description'), category: d.get('category'),
      priceCents: parseMoney(d.get('priceCents')) ?? -1, vatRateBp: Number(d.get('vatRateBp')), saleUnit: d.get('saleUnit'),
      netQuantity: Number(d.get('netQuantity') || 0), netQuantityUnit: d.get('netQuantityUnit'),
      stockTracked: d.get('stockTracked') === 'on', stock: Number(d.get('stock') || 0), visible: d.get('visible') === 'on',
      labels: d.getAll('labels'), allergens: d.getAll('allergens'),
    };
    try {
      if (isNew) {
        await api('POST', `/v1/shops/${shopId}/products`, { body });
      } else {
        await api('PATCH', `/v1/products/${p.id}`, { query: { updateMask: Object.keys(body).join(',') }, headers: { 'if-match': `"v${p.version}"` }, body: { ...body, version: p.version } });
      }
      announce(t('saved'));
      location.hash = `#/boutique/${shopId}/produits`;
    } catch (err) {
      showErrors(form, err, err.status === 409 || err.status === 412 ? t('bo.conflict') : undefined);
    }
  });
  clear(main, h('h1', {}, isNew ? t('bo.product.new') : p.name), shopNav(shop, 'bo.nav.products'), form);
}

function download(name, type, text) {
  const a = h('a', { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

async function exportCsv(shop, products) {
  try {
    const res = await api('GET', `/v1/shops/${shop.id}/products:export`, { raw: true });
    if (res.ok) {
      const type = res.headers.get('content-type') || '';
      const body = type.includes('json') ? (await res.json()).content : await res.text();
      download(`${shop.slug}-produits.csv`, 'text/csv', body);
      return;
    }
  } catch { /* the export route is not there yet: build the same file here */ }
  download(`${shop.slug}-produits.csv`, 'text/csv', `\ufeff${toCsv(products)}`);
  announce(t('bo.export.done'));
}

function importSection(shop, reload) {
  const file = h('input', { type: 'file', name: 'fichier', accept: '.csv,text/csv' });
  const progress = h('progress', { max: '100', value: '0', hidden: true, 'aria-label': t('bo.import.progress') });
  const report = h('div', { role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, t('bo.import.submit'));
  const form = h('form', { 'aria-labelledby': 'titre-import' },
    h('h2', { id: 'titre-import' }, t('bo.import')),
    h('p', { class: 'hint' }, t('bo.import.hint')),
    field(t('bo.import.file'), file), button, progress, report);
  const showBad = (bad) => clear(report,
    h('p', { class: 'form-error' }, t('bo.import.bad', { n: bad.length })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'import-errors' },
      h('caption', {}, t('bo.import.bad.caption')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('bo.import.line')), h('th', { scope: 'col' }, t('bo.import.reason')))),
      h('tbody', {}, bad.map((b) => h('tr', {}, h('td', {}, String(b.line)), h('td', {}, b.reason)))))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) { clear(report, h('p', { class: 'form-error' }, t('bo.import.noFile'))); return; }
    button.disabled = true;
    progress.hidden = false;
    progress.value = 5;
    clear(report, h('p', {}, t('bo.import.checking')));
    try {
      const text = await f.text();
      // The server validates the whole file before applying anything; this first pass
      // shows the obvious mistakes without a round trip.
      const checked = checkCsv(text);
      if (checked.bad.length) { showBad(checked.bad); return; }
      const done = await serverImport(shop, text, checked.rows, (pct) => { progress.value = pct; });
      if (done.bad.length) { showBad(done.bad); return; }
      progress.value = 100;
      clear(report, h('p', { class: 'notice' }, t('bo.import.done', { n: done.count })));
      announce(t('bo.import.done', { n: done.count }));
      setTimeout(reload, 1500);
    } catch (err) {
      clear(report, h('p', { class: 'form-error' }, err.message));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Sends the file to the catalogue's import (validate all, apply all or nothing, progress
// polled from GET /v1/imports/{id}). Until that route exists, the checked rows are created
// one by one.
async function serverImport(shop, text, rows, onProgress) {
  const res = await api('POST', `/v1/shops/${shop.id}/products:import`, { raw: true, body: text, headers: { 'content-type': 'text/csv; charset=utf-8' } });
  // 404/405/415/501: no import route behind this gateway yet.
  if (![404, 405, 415, 501].includes(res.status)) {
    let job = await res.json().catch(() => ({}));
    if (!res.ok) {
      const bad = badLines(job);
      if (!bad.length) throw new Error(job.detail || job.title || `HTTP ${res.status}`);
      return { bad, count: 0 };
    }
    const id = job.id || (job.name || '').split('/').pop();
    for (let i = 0; i < 600 && id && !['done', 'succeeded', 'failed', 'applied', 'rejected'].includes(String(job.state || job.status || '').toLowerCase()); i++) {
      onProgress(Math.min(95, Number(job.progressPercent || job.percent || 0) || 10 + i));
      await new Promise((r) => setTimeout(r, 500));
      job = await api('GET', `/v1/imports/${id}`);
    }
    const bad = badLines(job);
    return { bad, count: Number(job.appliedCount || job.created || job.imported || job.productCount || rows.length) };
  }
  let i = 0;
  for (const row of rows) {
    try {
      await api('POST', `/v1/shops/${shop.id}/products`, { body: row.product });
    } catch (err) {
      return { bad: [{ line: row.line, reason: err.message }], count: i };
    }
    i += 1;
    onProgress(Math.round((i / rows.length) * 95));
  }
  return { bad: [], count: i };
}

function badLines(job) {
  const list = job.errors || job.lineErrors || job.badLines || job.problems || [];
  return list.map((e) => ({ line: e.line || e.lineNumber || e.field || '?', reason: e.reason || e.message || e.description || '' }));
}

// ------------------------------------------------------------------ orders inbox

let stopWatching = null;
let audio = null;

function beep() {
  if (!audio) return;
  const now = audio.currentTime;
  for (const [i, f] of [880, 1320].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = f;
    gain.gain.setValueAtTime(0.2, now + i * 0.25);
    gain.gain.exponentialRampToValueAtTime(0.001, now + i * 0.25 + 0.22);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.25);
    osc.stop(now + i * 0.25 + 0.25);
  }
}

const NEXT_ACTIONS = {
  placed: [['accept', 'bo.order.accept'], ['reject', 'bo.order.reject']],
  accepted: [['ready', 'bo.order.ready']],
  ready: [['collect', 'bo.order.collect']],
};

async function ordersView(main, id) {
  if (!isLoggedIn()) return needLogin(main);
  if (stopWatching) stopWatching();
  const shop = await api('GET', `/v1/shops/${id}`);
  const banner = h('div', { class: 'alert-banner', role: 'alert', hidden: true });
  const list = h('div', { class: 'stack', id: 'boite-commandes' });
  const link = h('p', { class: 'meta', role: 'status' }, t('bo.inbox.connecting'));
  const soundButton = h('button', { type: 'button', class: 'secondary', 'aria-pressed': String(!!audio), onclick: () => {
    if (audio) { audio.close(); audio = null; } else { audio = new AudioContext(); beep(); }
    soundButton.setAttribute('aria-pressed', String(!!audio));
  } }, t('bo.inbox.sound'));
  const filter = h('select', { name: 'statut', onchange: () => load() },
    [['placed,accepted,ready', 'bo.inbox.filter.open'], ['placed', 'status.placed'], ['accepted', 'status.accepted'], ['ready', 'status.ready'], ['', 'bo.inbox.filter.all']]
      .map(([v, k]) => h('option', { value: v }, t(k))));
  const seen = new Set();
  let firstLoad = true;

  async function act(order, action) {
    let body = {};
    if (action === 'reject') {
      const reason = prompt(t('bo.order.reject.reason'));
      if (!reason) return;
      body = { reason };
    }
    try {
      await api('POST', `/v1/orders/${order.id}:${action}`, { body });
      announce(t('bo.order.done', { number: order.number, status: t(`bo.order.${action}.done`) }));
      load();
    } catch (err) {
      announce(err.message);
    }
  }

  async function load() {
    let res;
    try {
      res = await api('GET', `/v1/shops/${id}/orders`, { query: { status: filter.value, pageSize: 100 } });
    } catch (err) {
      clear(list, h('p', { class: 'notice' }, t('bo.inbox.unavailable')));
      return;
    }
    const orders = res.orders || [];
    const fresh = orders.filter((o) => !seen.has(o.id) && o.status === 'placed');
    for (const o of orders) seen.add(o.id);
    if (!firstLoad && fresh.length) alertNew(fresh);
    firstLoad = false;
    clear(list, orders.length ? orders.map((o) => h('article', { class: `order${fresh.includes(o) ? ' new' : ''}`, dataset: { order: o.id, status: o.status }, 'aria-labelledby': `cmd-${o.id}` },
      h('h3', { id: `cmd-${o.id}` }, t('bo.order.title', { number: o.number, name: o.customerName })),
      h('p', {}, h('span', { class: 'badge' }, t(`status.${o.status}`)), ' · ',
        o.fulfilment === 'delivery' ? t('order.delivery') : t('order.pickup'), o.slotStart ? ` · ${when(o.slotStart)}–${time(o.slotEnd)}` : '',
        ` · ${money(o.totalCents)}`),
      o.customerPhone ? h('p', { class: 'meta' }, h('a', { href: `tel:${o.customerPhone.replace(/\s/g, '')}` }, o.customerPhone)) : null,
      h('ul', {}, (o.lines || []).map((l) => h('li', {}, `${l.quantity} × ${l.name} (${l.saleUnit})`))),
      h('p', { class: 'row' }, (NEXT_ACTIONS[o.status] || []).map(([action, key]) => h('button', {
        type: 'button', class: action === 'reject' ? 'danger' : '', 'aria-label': t(`${key}.named`, { number: o.number }), onclick: () => act(o, action),
      }, t(key)))))) : h('p', {}, t('bo.inbox.empty')));
  }

  function alertNew(fresh) {
    banner.textContent = t('bo.inbox.new', { n: fresh.length });
    banner.hidden = false;
    beep();
    document.title = `(${fresh.length}) ${t('bo.inbox.title')}`;
    setTimeout(() => { banner.hidden = true; document.title = t('page.backoffice'); }, 15000);
  }

  clear(main, h('h1', {}, t('bo.inbox.title')), shopNav(shop, 'bo.nav.orders'),
    h('div', { class: 'row' }, field(t('bo.inbox.filter'), filter), soundButton), link, banner, list);
  await load();
  stopWatching = watch(`/v1/shops/${id}/orders:watch`, () => load(), {
    onState: (s) => {
      link.textContent = s === 'open' ? t('bo.inbox.live') : s === 'unsupported' ? t('bo.inbox.polling') : t('bo.inbox.reconnecting');
    },
  });
  // The stream can be missing or cut by a proxy: a slow poll keeps the inbox right anyway.
  const poll = setInterval(() => { if (location.hash.includes(`/boutique/${id}/commandes`)) load(); else { clearInterval(poll); if (stopWatching) stopWatching(); stopWatching = null; } }, 20000);
}

// ------------------------------------------------------------------ delivery

async function deliveryView(main, id) {
  if (!isLoggedIn()) return needLogin(main);
  const shop = await api('GET', `/v1/shops/${id}`);
  const zones = await api('GET', `/v1/shops/${id}/delivery-zones`).then((r) => r.zones || []).catch(() => null);
  const templates = await api('GET', `/v1/shops/${id}/slot-templates`).then((r) => r.slotTemplates || []).catch(() => []);
  const closures = await api('GET', `/v1/shops/${id}/slot-closures`).then((r) => r.closures || []);
  clear(main, h('h1', {}, t('bo.delivery.title', { name: shop.name })), shopNav(shop, 'bo.nav.delivery'),
    zones === null ? h('p', { class: 'notice' }, t('bo.zones.unavailable')) : zonesForm(shop, zones),
    slotsForm(shop, templates), closuresForm(shop, closures, () => deliveryView(main, id)));
}

// Days without slots (holidays, a market elsewhere): listed with a button to reopen them, and
// a form to close more. Bookings already made on newly closed days are shown, not cancelled.
function closuresForm(shop, closures, reload) {
  const range = (c) => (c.lastDate && c.lastDate !== c.firstDate ? t('bo.closure.range', { from: day(c.firstDate), to: day(c.lastDate) }) : day(c.firstDate));
  const kinds = (c) => [c.pickup ? t('bo.slot.SLOT_KIND_PICKUP') : '', c.delivery ? t('bo.slot.SLOT_KIND_DELIVERY') : ''].filter(Boolean).join(' + ');
  const list = closures.length
    ? h('ul', { class: 'closures' }, closures.map((c) => h('li', {}, `${range(c)} — ${kinds(c)}${c.reason ? ` (${c.reason})` : ''} `,
      h('button', { type: 'button', class: 'secondary', onclick: async () => {
        await api('DELETE', `/v1/shops/${shop.id}/slot-closures/${c.id}`);
        announce(t('bo.closure.reopened', { range: range(c) }));
        reload();
      } }, t('bo.closure.reopen', { range: range(c) })))))
    : h('p', {}, t('bo.closures.none'));
  const firstDate = h('input', { name: 'firstDate', type: 'date', required: true });
  const lastDate = h('input', { name: 'lastDate', type: 'date' });
  const reason = h('input', { name: 'reason', maxlength: '200' });
  const pickup = h('input', { name: 'pickup', type: 'checkbox', checked: true });
  const delivery = h('input', { name: 'delivery', type: 'checkbox', checked: true });
  const affected = h('div', { role: 'status' });
  const form = h('form', { 'aria-labelledby': 'titre-fermetures' }, h('h2', { id: 'titre-fermetures' }, t('bo.closures')),
    list, h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    h('div', { class: 'row' }, field(t('bo.closure.first'), firstDate), field(t('bo.closure.last'), lastDate, { hint: t('bo.closure.last.hint') })),
    field(t('bo.closure.reason'), reason),
    h('fieldset', {}, h('legend', {}, t('bo.closure.kinds')),
      h('label', {}, pickup, ` ${t('bo.slot.SLOT_KIND_PICKUP')}`), h('label', {}, delivery, ` ${t('bo.slot.SLOT_KIND_DELIVERY')}`)),
    h('p', { class: 'row' }, h('button', { type: 'submit' }, t('bo.closure.add'))), affected);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const res = await api('POST', `/v1/shops/${shop.id}/slot-closures`, { body: {
        firstDate: firstDate.value, lastDate: lastDate.value, reason: reason.value, pickup: pickup.checked, delivery: delivery.checked } });
      showErrors(form, null);
      const booked = res.affectedBookings || [];
      announce(booked.length ? t('bo.closure.added', { n: booked.length }) : t('bo.closure.done'));
      if (booked.length) {
        affected.replaceChildren(h('p', { class: 'notice' }, t('bo.closure.added', { n: booked.length })));
        return;  // the shopkeeper reads which orders to contact before the page reloads
      }
      reload();
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

function zonesForm(shop, zones) {
  const box = h('div', { class: 'stack' });
  const addZone = (z = {}) => {
    const communes = h('textarea', { name: 'communes', rows: '2' }, (z.communes || []).join(' '));
    const picker = h('input', { type: 'text' });
    const [list, status] = combobox(picker, { fetch: findCommunes, label: (c) => `${c.name} (${c.postalCode || ''}) — ${c.inseeCode}`,
      pick: (c) => { communes.value = `${communes.value} ${c.inseeCode}`.trim(); picker.value = ''; announce(t('bo.zone.added', { name: c.name })); } });
    const pick = field(t('bo.zone.pick'), picker);
    pick.style.position = 'relative';
    pick.append(list, status);
    const fs = h('fieldset', { class: 'zone' }, h('legend', {}, z.name || t('bo.zone.new')),
      field(t('bo.zone.name'), h('input', { name: 'name', value: z.name || '' })),
      pick, field(t('bo.zone.communes'), communes, { hint: t('bo.zone.communes.hint') }),
      field(t('bo.zone.radius'), h('input', { name: 'radiusKm', type: 'number', min: '0', max: '100', step: '0.5', value: String(z.radiusKm || '') })),
      h('div', { class: 'row' },
        field(t('bo.zone.fee'), h('input', { name: 'fee', inputmode: 'decimal', value: z.feeCents ? (z.feeCents / 100).toFixed(2).replace('.', ',') : '' })),
        field(t('bo.zone.minimum'), h('input', { name: 'minimum', inputmode: 'decimal', value: z.minimumOrderCents ? (z.minimumOrderCents / 100).toFixed(2).replace('.', ',') : '' })),
        field(t('bo.zone.free'), h('input', { name: 'free', inputmode: 'decimal', value: z.freeDeliveryThresholdCents ? (z.freeDeliveryThresholdCents / 100).toFixed(2).replace('.', ',') : '' }))),
      h('button', { type: 'button', class: 'secondary', onclick: () => fs.remove() }, t('bo.zone.remove')));
    box.append(fs);
  };
  zones.forEach(addZone);
  const form = h('form', { 'aria-labelledby': 'titre-zones' }, h('h2', { id: 'titre-zones' }, t('bo.zones')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }), box,
    h('p', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => addZone() }, t('bo.zone.add')), h('button', { type: 'submit' }, t('save'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const out = [...box.querySelectorAll('fieldset.zone')].map((fs) => {
      const v = (n) => fs.querySelector(`[name=${n}]`).value;
      return { name: v('name'), communes: v('communes').split(/[\s,;]+/).filter(Boolean), radiusKm: Number(v('radiusKm') || 0),
        feeCents: parseMoney(v('fee')) || 0, minimumOrderCents: parseMoney(v('minimum')) || 0, freeDeliveryThresholdCents: parseMoney(v('free')) || 0 };
    });
    try {
      await api('PUT', `/v1/shops/${shop.id}/delivery-zones`, { body: { zones: out } });
      showErrors(form, null);
      announce(t('saved'));
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

function slotsForm(shop, templates) {
  const body = h('tbody', {});
  const addRow = (s = { kind: 'SLOT_KIND_PICKUP', weekday: 1, startMinute: 540, endMinute: 720, capacity: 5, cutoffDaysBefore: 0, cutoffMinute: 0 }) => {
    const n = body.children.length + 1;
    body.append(h('tr', { class: 'slot' },
      h('td', {}, h('select', { name: 'kind', 'aria-label': t('bo.slot.kind.n', { n }) }, ['SLOT_KIND_PICKUP', 'SLOT_KIND_DELIVERY'].map((k) => h('option', { value: k, selected: s.kind === k }, t(`bo.slot.${k}`))))),
      h('td', {}, h('select', { name: 'weekday', 'aria-label': t('bo.slot.day.n', { n }) }, [1, 2, 3, 4, 5, 6, 7].map((d) => h('option', { value: String(d), selected: s.weekday === d }, t(`weekday.${d}`))))),
      h('td', {}, h('input', { name: 'start', type: 'time', value: hhmm(s.startMinute || 0), 'aria-label': t('bo.slot.start.n', { n }) })),
      h('td', {}, h('input', { name: 'end', type: 'time', value: hhmm(s.endMinute || 0), 'aria-label': t('bo.slot.end.n', { n }) })),
      h('td', {}, h('input', { name: 'capacity', type: 'number', min: '1', value: String(s.capacity || 1), 'aria-label': t('bo.slot.capacity.n', { n }) })),
      h('td', {}, h('button', { type: 'button', class: 'secondary', onclick: (e) => e.target.closest('tr').remove() }, t('bo.zone.remove')))));
  };
  templates.forEach(addRow);
  const form = h('form', { 'aria-labelledby': 'titre-creneaux' }, h('h2', { id: 'titre-creneaux' }, t('bo.slots')),
    h('p', { class: 'hint' }, t('bo.slots.hint')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['bo.slot.kind', 'bo.slot.day', 'bo.slot.start', 'bo.slot.end', 'bo.slot.capacity', 'bo.slot.actions'].map((k) => h('th', { scope: 'col' }, t(k))))), body)),
    h('p', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => addRow() }, t('bo.slot.add')), h('button', { type: 'submit' }, t('save'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const slotTemplates = [...body.querySelectorAll('tr.slot')].map((tr) => {
      const v = (n) => tr.querySelector(`[name=${n}]`).value;
      return { kind: v('kind'), weekday: Number(v('weekday')), startMinute: minutes(v('start')), endMinute: minutes(v('end')), capacity: Number(v('capacity')), cutoffDaysBefore: 0, cutoffMinute: 0 };
    });
    try {
      await api('PUT', `/v1/shops/${shop.id}/slot-templates`, { body: { slotTemplates } });
      showErrors(form, null);
      announce(t('saved'));
    } catch (err) {
      showErrors(form, err);
    }
  });
  return form;
}

router([
  [/^#\/?$/, homeView],
  [/^#\/boutique\/([^/]+)$/, profileView],
  [/^#\/boutique\/([^/]+)\/produits$/, productsView],
  [/^#\/boutique\/([^/]+)\/produit\/([^/]+)$/, productEditor],
  [/^#\/boutique\/([^/]+)\/commandes$/, ordersView],
  [/^#\/boutique\/([^/]+)\/livraison$/, deliveryView],
], (main) => clear(main, h('h1', {}, t('error.notFound')), h('p', {}, h('a', { href: '#/' }, t('nav.home')))));

// Keeps the token fresh while the inbox stays open all day.
setInterval(() => { if (session()) reloadAccount().catch(() => {}); }, 10 * 60 * 1000);
