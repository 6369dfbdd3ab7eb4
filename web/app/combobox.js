// An accessible type-ahead (ARIA 1.2 combobox with a listbox popup): arrows move, Enter
// picks, Escape closes; the count of suggestions is announced.
import { h } from './dom.js';
import { t } from './i18n.js';

let count = 0;
export function combobox(input, { fetch: load, label: toText, pick, delay = 250 }) {
  const id = `liste-${++count}`;
  const list = h('ul', { id, role: 'listbox', class: 'suggestions', hidden: true });
  const status = h('span', { class: 'visually-hidden', role: 'status' });
  input.setAttribute('role', 'combobox');
  input.setAttribute('aria-autocomplete', 'list');
  input.setAttribute('aria-expanded', 'false');
  input.setAttribute('aria-controls', id);
  input.autocomplete = 'off';
  let items = [];
  let active = -1;
  let timer = null;
  let seq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', `${id}-${i}`);
    else input.removeAttribute('aria-activedescendant');
  };
  const choose = (i) => {
    const item = items[i];
    close();
    if (item) pick(item);
  };
  const show = (found) => {
    items = found;
    list.replaceChildren(...found.map((item, i) => h('li', {
      id: `${id}-${i}`, role: 'option', 'aria-selected': 'false',
      onmousedown: (e) => { e.preventDefault(); choose(i); },
    }, toText(item))));
    list.hidden = found.length === 0;
    input.setAttribute('aria-expanded', String(found.length > 0));
    status.textContent = t('combobox.count', { n: found.length });
    active = -1;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value;
    timer = setTimeout(async () => {
      const mine = ++seq;
      const found = await load(q).catch(() => []);
      if (mine === seq && document.activeElement === input) show(found);
    }, delay);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && items.length) {
      e.preventDefault();
      if (list.hidden) { list.hidden = false; input.setAttribute('aria-expanded', 'true'); }
      highlight((active + 1) % items.length);
    } else if (e.key === 'ArrowUp' && items.length) {
      e.preventDefault();
      highlight(active <= 0 ? items.length - 1 : active - 1);
    } else if (e.key === 'Enter' && !list.hidden && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape') {
      close();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  return [list, status];
}
