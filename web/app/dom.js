// Builds DOM nodes without innerHTML, so text from the API can never become markup.
//   h('a', {href: '#/panier', class: 'btn'}, t('cart.title'))
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string' && k !== 'list') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Announces a message politely to screen readers through the page's live region.
export function announce(message) {
  const region = document.getElementById('annonces');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

// Moves focus to the main heading after a view change so keyboard and screen-reader users
// start from the new content.
export function focusHeading(root) {
  const heading = root.querySelector('h1, h2');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: false });
  }
}

// A form field with its label, hint and error message wired for assistive technologies.
let fieldCount = 0;
export function field(label, input, { hint, id } = {}) {
  const fid = id || input.id || `champ-${++fieldCount}`;
  input.id = fid;
  const parts = [h('label', { for: fid }, label)];
  if (hint) {
    const hid = `${fid}-aide`;
    parts.push(h('span', { class: 'hint', id: hid }, hint));
    input.setAttribute('aria-describedby', hid);
  }
  parts.push(input);
  parts.push(h('span', { class: 'field-error', id: `${fid}-erreur`, hidden: true }));
  return h('div', { class: 'field' }, parts);
}

// Shows an ApiError on a form: the summary in the form's alert and each violation next to
// its field (matched by name="...").
export function showErrors(form, error, fallback) {
  const summary = form.querySelector('.form-error');
  for (const e of form.querySelectorAll('.field-error')) e.hidden = true;
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
  if (!error) {
    if (summary) summary.hidden = true;
    return;
  }
  for (const v of error.violations || []) {
    const name = v.field.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    const input = form.querySelector(`[name="${CSS.escape(name)}"], [name="${CSS.escape(v.field)}"]`);
    if (!input) continue;
    input.setAttribute('aria-invalid', 'true');
    const err = document.getElementById(`${input.id}-erreur`);
    if (err) {
      err.textContent = v.description;
      err.hidden = false;
      input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${err.id}`.trim());
    }
  }
  if (summary) {
    summary.textContent = fallback || error.message;
    summary.hidden = false;
    summary.focus();
  }
}
