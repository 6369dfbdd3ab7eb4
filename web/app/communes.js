// The commune people search around: chosen with the communes look-up (name or postal code),
// remembered in localStorage. While the look-up is unavailable, a short list of the region's
// main towns keeps the picker usable.
import { api } from './api.js';

const KEY = 'comptoir.commune';
const FALLBACK = [
  ['25056', 'Besançon', '25000', 47.2602, 6.0123], ['21231', 'Dijon', '21000', 47.3167, 5.0167],
  ['90010', 'Belfort', '90000', 47.6379, 6.8628], ['71270', 'Mâcon', '71000', 46.3069, 4.8287],
  ['89024', 'Auxerre', '89000', 47.7986, 3.5672], ['58194', 'Nevers', '58000', 46.9881, 3.157],
  ['39300', 'Lons-le-Saunier', '39000', 46.6744, 5.5539], ['70550', 'Vesoul', '70000', 47.6231, 6.1561],
  ['25388', 'Montbéliard', '25200', 47.5099, 6.7985], ['25434', 'Ornans', '25290', 47.1063, 6.1439],
  ['71076', 'Chalon-sur-Saône', '71100', 46.7806, 4.8539], ['25462', 'Pontarlier', '25300', 46.9043, 6.3547],
].map(([inseeCode, name, postalCode, latitude, longitude]) => ({ inseeCode, name, postalCode, latitude, longitude }));

const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/-/g, ' ');

export async function findCommunes(q) {
  if (q.trim().length < 2) return [];
  try {
    const res = await api('GET', '/v1/communes', { query: { q: q.trim(), pageSize: 8 } });
    return res.communes || [];
  } catch {
    const f = fold(q.trim());
    return FALLBACK.filter((c) => fold(c.name).startsWith(f) || c.postalCode.startsWith(f) || c.inseeCode === f);
  }
}

export function savedCommune() {
  try {
    return JSON.parse(localStorage.getItem(KEY) || 'null');
  } catch {
    return null;
  }
}

export function saveCommune(c) {
  if (c) localStorage.setItem(KEY, JSON.stringify(c));
  else localStorage.removeItem(KEY);
}

export const communeLabel = (c) => (c ? `${c.name} (${c.postalCode || c.departmentCode || c.inseeCode})` : '');
