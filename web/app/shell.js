// What every page shares: the header's account link and cart count, the live region, the
// partner attribution (?ref=...) kept for the visit, and a tiny hash router.
import { account, session } from './api.js';
import { t, translatePage } from './i18n.js';
import { clear, focusHeading, h } from './dom.js';

export function startShell() {
  translatePage();
  const ref = new URLSearchParams(location.search).get('ref');
  if (ref && /^[\w.-]{1,40}$/.test(ref)) sessionStorage.setItem('comptoir.ref', ref);
  const update = () => {
    const link = document.getElementById('lien-compte');
    if (link) {
      const a = account();
      link.textContent = a ? t('nav.account.named', { name: a.displayName || a.email }) : t('nav.account');
    }
  };
  window.addEventListener('comptoir:session', update);
  update();
}

export function isLoggedIn() {
  return !!(session() && session().accessToken);
}

// routes: [[/^#\/commerce\/(.+)$/, (main, slug) => ...], ...]; the first match renders into
// <main>. Focus goes to the new heading except on the first load.
export function router(routes, notFound) {
  const main = document.getElementById('contenu');
  let first = true;
  async function render() {
    const hash = location.hash || '#/';
    const [path, query] = hash.split('?');
    const params = new URLSearchParams(query || '');
    for (const a of document.querySelectorAll('nav.main a')) {
      if (a.getAttribute('href') === path || (path.startsWith(a.getAttribute('href')) && a.getAttribute('href') !== '#/')) {
        a.setAttribute('aria-current', 'page');
      } else {
        a.removeAttribute('aria-current');
      }
    }
    for (const [pattern, view] of routes) {
      const m = pattern.exec(path);
      if (!m) continue;
      try {
        await view(main, ...m.slice(1).map(decodeURIComponent), params);
      } catch (e) {
        console.error(e);
        clear(main, h('h1', {}, t('error.title')), h('p', { class: 'form-error', role: 'alert' }, e.message));
      }
      if (!first) focusHeading(main);
      first = false;
      return;
    }
    notFound(main);
  }
  window.addEventListener('hashchange', render);
  render();
  return render;
}
