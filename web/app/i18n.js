// Every text people read comes from the message catalogue of the page's language (French
// now; add i18n/en.js and pick it from <html lang> for English). Placeholders: {name}.
import fr from '../i18n/fr.js';

const catalogues = { fr };
const lang = (document.documentElement.lang || 'fr').slice(0, 2);
const messages = catalogues[lang] || fr;

export function t(key, params = {}) {
  let text = messages[key];
  if (text === undefined) {
    console.warn(`i18n: missing message ${key}`);
    text = key;
  }
  if (typeof text === 'object') {
    // Plural forms: {one: '…', other: '…'} chosen by params.n.
    text = params.n === 1 || params.n === 0 ? text.one : text.other;
  }
  return text.replace(/\{(\w+)\}/g, (_, k) => (params[k] === undefined ? '' : String(params[k])));
}

// Applies the catalogue to static markup: <span data-i18n="key"></span>, and
// data-i18n-attr="placeholder:key;aria-label:key".
export function translatePage(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
}
