// The Region's administration: moderation (approve / suspend with a reason), partner sites
// and their keys, regional figures drawn as inline SVG, and a map of the shops from the
// communes' coordinates (no tile server).
import { api, hasRole, logout } from './api.js';
import { t } from './i18n.js';
import { announce, clear, field, h, showErrors } from './dom.js';
import { money, when } from './format.js';
import { authForms } from './auth.js';
import { isLoggedIn, router, startShell } from './shell.js';

startShell();
const SVG = 'http://www.w3.org/2000/svg';
const s = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
};
const FIGURE_DAYS = 14;
const DEPARTMENTS = { 21: "Côte-d'Or", 25: 'Doubs', 39: 'Jura', 58: 'Nièvre', 70: 'Haute-Saône', 71: 'Saône-et-Loire', 89: 'Yonne', 90: 'Territoire de Belfort' };

function guard(main, view) {
  if (!isLoggedIn()) {
    authForms(main, { title: t('admin.title'), intro: t('admin.intro'), signup: false, onDone: () => window.dispatchEvent(new HashChangeEvent('hashchange')) });
    return false;
  }
  if (!hasRole('admin')) {
    clear(main, h('h1', {}, t('admin.title')), h('p', { class: 'notice' }, t('admin.notAdmin')),
      h('button', { type: 'button', class: 'secondary', onclick: async () => { await logout(); view(main); } }, t('logout')));
    return false;
  }
  return true;
}

function adminNav(current) {
  return h('nav', { 'aria-label': t('admin.nav') }, h('ul', { class: 'row', style: 'list-style:none;padding:0' },
    [['#/', 'admin.nav.moderation'], ['#/partenaires', 'admin.nav.partners'], ['#/chiffres', 'admin.nav.figures']]
      .map(([href, key]) => h('li', {}, h('a', { href, 'aria-current': current === key ? 'page' : null }, t(key))))));
}

// Every shop the public list returns (bounded), for figures and the map.
async function allShops(extra = {}) {
  const shops = [];
  let token = '';
  do {
    const res = await api('GET', '/v1/shops', { query: { pageSize: 100, pageToken: token, ...extra } });
    shops.push(...(res.shops || []));
    token = res.nextPageToken || '';
  } while (token && shops.length < 5000);
  return shops;
}

// ------------------------------------------------------------------ moderation

function moderationCard(shop, reload) {
  const reason = h('input', { name: 'reason', id: `motif-${shop.id}`, maxlength: '500' });
  const form = h('form', { class: 'stack', onsubmit: (e) => e.preventDefault() },
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('admin.reason'), reason, { hint: t('admin.reason.hint') }),
    h('p', { class: 'row' },
      shop.status !== 'active' ? h('button', { type: 'button', 'aria-label': t('admin.approve.named', { name: shop.name }), onclick: () => decide('approve') }, t('admin.approve')) : null,
      shop.status !== 'suspended' ? h('button', { type: 'button', class: 'danger', 'aria-label': t('admin.suspend.named', { name: shop.name }), onclick: () => decide('suspend') }, t('admin.suspend')) : null));
  async function decide(verb) {
    if (verb === 'suspend' && !reason.value.trim()) {
      showErrors(form, { message: t('admin.reason.needed'), violations: [{ field: 'reason', description: t('admin.reason.needed') }] });
      return;
    }
    try {
      await api('POST', `/v1/shops/${shop.id}:${verb}`, { body: verb === 'suspend' ? { reason: reason.value } : {} });
      announce(t(`admin.${verb}.done`, { name: shop.name }));
      reload();
    } catch (err) {
      showErrors(form, err);
    }
  }
  return h('li', { class: 'card', dataset: { shop: shop.id, status: shop.status } },
    h('h3', {}, shop.name),
    h('p', {}, h('span', { class: `badge ${shop.status === 'active' ? 'ok' : shop.status === 'pending' ? 'warn' : 'bad'}` }, t(`shopStatus.${shop.status}`))),
    h('p', { class: 'meta' }, `${t(`shopCategory.${shop.category}`)} · ${shop.communeName || shop.communeInsee} (${shop.departmentCode || ''})`),
    h('p', { class: 'meta' }, t('admin.siret', { siret: shop.siret || '' }), ' · ', t('admin.since', { when: when(shop.createTime) })),
    shop.statusReason ? h('p', { class: 'meta' }, t('bo.reason', { reason: shop.statusReason })) : null,
    form);
}

async function moderationView(main) {
  if (!guard(main, moderationView)) return;
  const queue = h('ul', { class: 'cards', id: 'file-moderation' });
  const reload = () => moderationView(main);
  // The pending queue (ListShops with status=pending, for admins); without it, a shop is
  // looked up by its id or slug, as given in the shopkeeper's request.
  let pending = [];
  let queueAvailable = true;
  try {
    pending = (await allShops({ status: 'pending' })).filter((x) => x.status === 'pending');
  } catch {
    queueAvailable = false;
  }
  clear(queue, pending.map((shop) => moderationCard(shop, reload)));
  const lookup = h('input', { name: 'shop', id: 'recherche-commerce' });
  const found = h('div', {});
  const lookupForm = h('form', { 'aria-labelledby': 'titre-chercher', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const shop = await api('GET', `/v1/shops/${encodeURIComponent(lookup.value.trim())}`);
      clear(found, h('ul', { class: 'cards' }, moderationCard(shop, reload)));
    } catch (err) {
      clear(found, h('p', { class: 'form-error', role: 'alert' }, err.status === 404 ? t('admin.lookup.none') : err.message));
    }
  } }, h('h2', { id: 'titre-chercher' }, t('admin.lookup')), h('div', { class: 'row' }, field(t('admin.lookup.label'), lookup), h('button', { type: 'submit' }, t('admin.lookup.submit'))), found);
  clear(main, h('h1', {}, t('admin.moderation')), adminNav('admin.nav.moderation'),
    h('h2', {}, t('admin.queue', { n: pending.length })),
    !queueAvailable ? h('p', { class: 'notice' }, t('admin.queue.unavailable')) : pending.length ? queue : h('p', {}, t('admin.queue.empty')),
    lookupForm);
}

// ------------------------------------------------------------------ partners

async function partnersView(main) {
  if (!guard(main, partnersView)) return;
  const partners = (await api('GET', '/v1/partners').catch(() => ({ partners: [] }))).partners || [];
  const create = h('form', { 'aria-labelledby': 'titre-nouveau-partenaire' },
    h('h2', { id: 'titre-nouveau-partenaire' }, t('admin.partner.new')),
    h('p', { class: 'form-error', role: 'alert', tabindex: '-1', hidden: true }),
    field(t('admin.partner.name'), h('input', { name: 'name', required: true })),
    h('button', { type: 'submit' }, t('admin.partner.create')));
  create.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/v1/partners', { body: { name: new FormData(create).get('name') } });
      partnersView(main);
    } catch (err) {
      showErrors(create, err);
    }
  });
  const sections = [];
  for (const p of partners) sections.push(await partnerSection(p));
  clear(main, h('h1', {}, t('admin.partners')), adminNav('admin.nav.partners'),
    partners.length ? sections : h('p', {}, t('admin.partners.none')), create);
}

async function partnerSection(partner) {
  const keys = (await api('GET', `/v1/partners/${partner.id}/keys`).catch(() => ({ keys: [] }))).keys || [];
  const secretBox = h('div', { role: 'status' });
  const list = h('ul', {}, keys.map((k) => h('li', {},
    `${k.prefix}… · ${(k.allowedOrigins || []).join(', ')} · ${k.rateTier || ''}`, k.revokeTime ? ` · ${t('admin.key.revoked')}` : ' ',
    k.revokeTime ? null : h('button', { type: 'button', class: 'secondary', onclick: async () => {
      if (!confirm(t('admin.key.revoke.confirm'))) return;
      await api('DELETE', `/v1/partners/${partner.id}/keys/${k.id}`).catch((e) => announce(e.message));
      announce(t('admin.key.revoked'));
    } }, t('admin.key.revoke')))));
  const origins = h('input', { name: 'allowedOrigins', placeholder: 'https://www.office-tourisme.fr' });
  const tier = h('select', { name: 'rateTier' }, ['basic', 'high'].map((v) => h('option', { value: v }, t(`admin.key.tier.${v}`))));
  const form = h('form', { class: 'row', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const key = await api('POST', `/v1/partners/${partner.id}/keys`, { body: { allowedOrigins: origins.value.split(/[\s,]+/).filter(Boolean), rateTier: tier.value } });
      clear(secretBox, h('p', { class: 'notice' }, t('admin.key.secret'), ' ', h('code', { class: 'secret' }, key.secret)));
    } catch (err) {
      clear(secretBox, h('p', { class: 'form-error' }, err.message));
    }
  } }, field(t('admin.key.origins'), origins, { hint: t('admin.key.origins.hint') }), field(t('admin.key.tier'), tier), h('button', { type: 'submit' }, t('admin.key.create')));
  return h('section', { 'aria-labelledby': `partenaire-${partner.id}` }, h('h2', { id: `partenaire-${partner.id}` }, partner.name), list, form, secretBox);
}

// ------------------------------------------------------------------ figures

// A horizontal bar chart with its numbers also in a table for screen readers.
function barChart(id, title, rows) {
  const max = Math.max(1, ...rows.map((r) => r[1]));
  const barH = 22;
  const labelW = 170;
  const width = 560;
  const height = rows.length * (barH + 6) + 10;
  return h('figure', { class: 'chart', 'aria-labelledby': `${id}-titre` },
    h('figcaption', { id: `${id}-titre` }, h('strong', {}, title)),
    s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': `${id}-titre`, focusable: 'false' },
      ...rows.map(([label, value], i) => {
        const y = 5 + i * (barH + 6);
        const w = ((width - labelW - 50) * value) / max;
        return s('g', {},
          s('text', { x: labelW - 6, y: y + barH * 0.7, 'text-anchor': 'end', 'font-size': '13', fill: '#1b1b1b' }, label),
          s('rect', { x: labelW, y, width: Math.max(1, w), height: barH, fill: '#00565a', rx: '3' }),
          s('text', { x: labelW + w + 6, y: y + barH * 0.7, 'font-size': '13', fill: '#1b1b1b' }, String(value)));
      })),
    h('details', {}, h('summary', {}, t('admin.chart.table')),
      h('table', {}, h('tbody', {}, rows.map(([label, value]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, String(value))))))));
}

// Shops as dots placed by longitude/latitude (equirectangular, scaled by the cosine of the
// region's mean latitude), with the main towns for orientation.
function shopMap(shops) {
  const towns = [['Dijon', 47.3167, 5.0167], ['Besançon', 47.2602, 6.0123], ['Belfort', 47.6379, 6.8628], ['Auxerre', 47.7986, 3.5672],
    ['Nevers', 46.9881, 3.157], ['Mâcon', 46.3069, 4.8287], ['Lons-le-Saunier', 46.6744, 5.5539], ['Vesoul', 47.6231, 6.1561]];
  const bounds = { minLat: 46.1, maxLat: 48.45, minLon: 2.8, maxLon: 7.45 };
  const k = Math.cos((47.2 * Math.PI) / 180);
  const W = 520;
  const H = Math.round((W * (bounds.maxLat - bounds.minLat)) / ((bounds.maxLon - bounds.minLon) * k));
  const x = (lon) => ((lon - bounds.minLon) / (bounds.maxLon - bounds.minLon)) * W;
  const y = (lat) => ((bounds.maxLat - lat) / (bounds.maxLat - bounds.minLat)) * H;
  return h('figure', { 'aria-labelledby': 'carte-titre' },
    h('figcaption', { id: 'carte-titre' }, h('strong', {}, t('admin.map', { n: shops.length }))),
    s('svg', { class: 'map', viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-labelledby': 'carte-titre', focusable: 'false' },
      ...towns.map(([name, lat, lon]) => s('g', {}, s('circle', { cx: x(lon), cy: y(lat), r: 3, fill: '#4a4a4a' }),
        s('text', { x: x(lon) + 5, y: y(lat) - 4, 'font-size': '12', fill: '#1b1b1b' }, name))),
      ...shops.filter((sh) => sh.latitude && sh.longitude).map((sh) => s('circle', { cx: x(sh.longitude), cy: y(sh.latitude), r: 5, fill: '#8a3b00', 'fill-opacity': '0.75', stroke: '#fff' },
        s('title', {}, `${sh.name} — ${sh.communeName || ''}`)))));
}

async function figuresView(main) {
  if (!guard(main, figuresView)) return;
  const shops = await allShops();
  const count = (key) => {
    const m = new Map();
    for (const sh of shops) m.set(key(sh), (m.get(key(sh)) || 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1]);
  };
  const byCategory = count((sh) => t(`shopCategory.${sh.category}`));
  const departmentName = (code) => (code ? `${DEPARTMENTS[code] || code} (${code})` : t('admin.chart.department.unknown'));
  const byDepartment = count((sh) => departmentName(sh.departmentCode));
  // Orders of the last 14 days, from the orders service's regional figures.
  const stats = await api('GET', '/v1/orders:stats', { query: { days: FIGURE_DAYS } });
  const dayLabel = new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric', month: 'numeric', timeZone: 'UTC' });
  const perDay = (stats.days || []).map((d) => [dayLabel.format(new Date(`${d.date}T12:00:00Z`)), Number(d.orders || 0)]);
  const perDepartment = (stats.departments || []).map((d) => [departmentName(d.departmentCode), Number(d.orders || 0)]);
  clear(main, h('h1', {}, t('admin.figures')), adminNav('admin.nav.figures'),
    h('p', {}, t('admin.figures.total', { n: shops.length })),
    h('p', {}, t('admin.figures.orders', { n: Number(stats.orders || 0), days: FIGURE_DAYS, amount: money(stats.totalCents) })),
    barChart('par-jour', t('admin.chart.days', { days: FIGURE_DAYS }), perDay),
    perDepartment.length ? barChart('commandes-par-departement', t('admin.chart.ordersByDepartment', { days: FIGURE_DAYS }), perDepartment) : null,
    barChart('par-categorie', t('admin.chart.category'), byCategory),
    barChart('par-departement', t('admin.chart.department'), byDepartment),
    shopMap(shops));
}

router([
  [/^#\/?$/, moderationView],
  [/^#\/partenaires$/, partnersView],
  [/^#\/chiffres$/, figuresView],
], (main) => clear(main, h('h1', {}, t('error.notFound'))));

