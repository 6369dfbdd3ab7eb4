// Numbers, money, distances and dates for people, in French conventions.
const euro = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const dateTime = new Intl.DateTimeFormat('fr-FR', {
  weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris',
});
const dayFmt = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'Europe/Paris' });
const timeFmt = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });

export const money = (cents) => euro.format(Number(cents || 0) / 100);
export const when = (iso) => (iso ? dateTime.format(new Date(iso)) : '');
export const day = (isoOrDate) => dayFmt.format(typeof isoOrDate === 'string' && isoOrDate.length === 10
  ? new Date(`${isoOrDate}T12:00:00Z`) : new Date(isoOrDate));
export const time = (iso) => (iso ? timeFmt.format(new Date(iso)) : '');

export function distance(meters) {
  const m = Number(meters);
  if (!Number.isFinite(m) || m <= 0) return '';
  return m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} km`;
}

// Cents from what people type: "12,50", "12.5", "12 €".
export function parseMoney(text) {
  const clean = String(text).replace(/[^\d,.-]/g, '').replace(',', '.');
  if (clean === '' || Number.isNaN(Number(clean))) return null;
  return Math.round(Number(clean) * 100);
}

// "HH:MM" from minutes after midnight, and back.
export const hhmm = (minutes) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
export function minutes(text) {
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(text).trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

// A fresh idempotency key for one checkout attempt.
export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
