// The courier's day: their rounds in stop order with ETA and slot windows, one tap per stop
// (picked up, delivered, failed with a reason), and a printable road sheet.
import { api, account, logout } from './api.js';
import { t } from './i18n.js';
import { announce, clear, h } from './dom.js';
import { day, time } from './format.js';
import { authForms } from './auth.js';
import { isLoggedIn, router, startShell } from './shell.js';

startShell();

const STATUS = {
  STOP_STATUS_PLANNED: ['courier.status.planned', ''], STOP_STATUS_PICKED_UP: ['courier.status.pickedUp', 'warn'],
  STOP_STATUS_DELIVERED: ['courier.status.delivered', 'ok'], STOP_STATUS_FAILED: ['courier.status.failed', 'bad'],
  STOP_STATUS_CANCELLED: ['courier.status.cancelled', 'bad'],
};
const REASONS = ['courier.reason.absent', 'courier.reason.address', 'courier.reason.refused', 'courier.reason.access'];

function today() {
  // The local day in Europe/Paris, as the rounds are planned.
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date());
}

async function roundsView(main, params) {
  if (!isLoggedIn()) {
    return authForms(main, { title: t('courier.title'), intro: t('courier.intro'), signup: false, onDone: () => roundsView(main, params) });
  }
  const date = params.get('date') || today();
  let rounds;
  try {
    rounds = (await api('GET', '/v1/couriers/me/rounds', { query: { date } })).rounds || [];
  } catch (err) {
    clear(main, h('h1', {}, t('courier.title')), h('p', { class: 'notice' }, err.status === 403 ? t('courier.notCourier') : t('courier.unavailable')));
    return;
  }
  const me = account() || {};
  const dateInput = h('input', { type: 'date', id: 'jour', value: date, onchange: (e) => { location.hash = `#/?date=${e.target.value}`; } });
  clear(main,
    h('h1', {}, t('courier.day', { day: day(date) })),
    h('p', { class: 'row no-print' }, h('label', { for: 'jour' }, t('courier.date')), dateInput,
      h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, t('courier.print')),
      h('button', { type: 'button', class: 'secondary', onclick: async () => { await logout(); roundsView(main, params); } }, t('logout'))),
    h('p', { class: 'meta' }, me.displayName || me.email || ''),
    rounds.length ? rounds.map((r) => roundSection(r, () => roundsView(main, params))) : h('p', {}, t('courier.none')));
}

function roundSection(round, reload) {
  const done = round.stops.filter((s) => ['STOP_STATUS_DELIVERED', 'STOP_STATUS_FAILED', 'STOP_STATUS_CANCELLED'].includes(s.status)).length;
  return h('section', { class: 'round', 'aria-labelledby': `tournee-${round.id}` },
    h('h2', { id: `tournee-${round.id}` }, t('courier.round', { depot: round.depotName || '', n: round.stops.length })),
    h('p', { class: 'meta' }, t('courier.departure', { time: time(round.departureTime), back: time(round.returnTime), km: (Number(round.distanceMetres || 0) / 1000).toLocaleString('fr-FR', { maximumFractionDigits: 1 }) })),
    h('p', { role: 'status' }, t('courier.progress', { done, n: round.stops.length })),
    h('p', { class: 'no-print' }, h('button', { type: 'button', class: 'secondary', onclick: () => sheet(round) }, t('courier.csv'))),
    h('ol', { class: 'stops' }, round.stops.map((s) => stopItem(s, reload))));
}

function stopItem(s, reload) {
  const [key, cls] = STATUS[s.status] || STATUS.STOP_STATUS_PLANNED;
  const open = s.status === 'STOP_STATUS_PLANNED' || s.status === 'STOP_STATUS_PICKED_UP';
  const act = async (verb, body = {}) => {
    try {
      await api('POST', `/v1/stops/${s.id}:${verb}`, { body });
      announce(t(`courier.done.${verb}`, { number: s.orderNumber }));
      reload();
    } catch (err) {
      announce(err.message);
    }
  };
  const reason = h('select', { id: `motif-${s.id}`, name: 'motif' }, REASONS.map((r) => h('option', { value: t(r) }, t(r))));
  const failForm = h('form', { class: 'row no-print', hidden: true, onsubmit: (e) => { e.preventDefault(); act('fail', { reason: reason.value }); } },
    h('label', { for: reason.id }, t('courier.reason')), reason, h('button', { type: 'submit', class: 'danger' }, t('courier.fail.confirm')));
  return h('li', { dataset: { stop: s.id, status: s.status } },
    h('h3', {}, t('courier.stop', { n: s.position, number: s.orderNumber })),
    h('p', {}, h('span', { class: `badge ${cls}` }, t(key)), s.reason ? ` — ${s.reason}` : ''),
    h('p', {}, h('strong', {}, t('courier.eta', { time: time(s.eta) })), ' · ', t('courier.window', { start: time(s.windowStart), end: time(s.windowEnd) })),
    h('p', {}, s.customerName, h('br'), s.address, h('br'), `${s.postalCode || ''} ${s.communeName || ''}`,
      s.customerPhone ? [h('br'), h('a', { href: `tel:${s.customerPhone.replace(/\s/g, '')}` }, s.customerPhone)] : null),
    h('ul', {}, (s.lines || []).map((l) => h('li', {}, `${l.quantity} × ${l.name} (${l.saleUnit})`))),
    open ? h('p', { class: 'row no-print' },
      s.status === 'STOP_STATUS_PLANNED' ? h('button', { type: 'button', class: 'secondary', onclick: () => act('pickUp') }, t('courier.pickUp')) : null,
      h('button', { type: 'button', onclick: () => act('complete'), 'aria-label': t('courier.deliver.named', { number: s.orderNumber }) }, t('courier.deliver')),
      h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', onclick: (e) => { failForm.hidden = !failForm.hidden; e.target.setAttribute('aria-expanded', String(!failForm.hidden)); if (!failForm.hidden) reason.focus(); } }, t('courier.fail'))) : null,
    failForm);
}

async function sheet(round) {
  try {
    const res = await api('GET', `/v1/rounds/${round.id}/sheet`, { query: { format: 'csv' } });
    const a = h('a', { href: URL.createObjectURL(new Blob([res.content], { type: 'text/csv' })), download: res.filename || `tournee-${round.date}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
  } catch (err) {
    announce(err.message);
  }
}

router([[/^#\/?$/, (main, params) => roundsView(main, params)]], (main) => clear(main, h('h1', {}, t('error.notFound'))));
