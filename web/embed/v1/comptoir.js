// Comptoir's catalogue widget for partner sites (tourist offices, town halls...):
//
//   <script src="https://HOST/embed/v1/comptoir.js" defer></script>
//   <comptoir-catalogue key="pk_..." commune="25056" category="fromage" limit="12"></comptoir-catalogue>
//
// Read-only, in Shadow DOM (no style leaks either way), loaded only when it scrolls into view,
// keyboard and screen-reader friendly. Every link opens the storefront as a normal top-level
// page with ?ref=partner: no checkout in frames, no cookies. The key is checked by the
// gateway against the page's origin; a refused key shows a short notice instead of cards.
(() => {
  if (customElements.get('comptoir-catalogue')) return;
  const script = document.currentScript;
  const BASE = script ? new URL(script.src).origin : '';
  const SHOP_CATEGORIES = ['boulangerie', 'boucherie-charcuterie', 'fromagerie', 'primeur', 'epicerie', 'caviste',
    'poissonnerie', 'librairie', 'fleuriste', 'quincaillerie', 'producteur', 'artisan'];
  // The widget's few texts; a lang="en" attribute on the element can pick another set later.
  const TEXT = {
    fr: {
      title: 'Produits des commerces de proximité', shops: 'Commerces de proximité', loading: 'Chargement du catalogue…',
      none: 'Aucun résultat pour le moment.', refused: "Ce catalogue n'est pas autorisé sur ce site.",
      error: 'Le catalogue est momentanément indisponible.', more: 'Voir tout sur Comptoir', per: '/', from: 'chez',
      open: 'Ouvert', closed: 'Fermé', count: (n) => (n > 1 ? `${n} résultats` : `${n} résultat`), by: 'Catalogue fourni par Comptoir, Région Bourgogne-Franche-Comté',
    },
  };
  const euro = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
  const CSS = `
    :host { all: initial; display: block; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
      color: #1b1b1b; line-height: 1.45; font-size: 16px; }
    :host([hidden]) { display: none; }
    section { border: 1px solid #cfcac0; border-radius: 8px; padding: 12px; background: #fff; }
    h2 { font-size: 1.15em; margin: 0 0 10px; }
    ul { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); }
    li { border: 1px solid #cfcac0; border-radius: 6px; padding: 10px; display: flex; flex-direction: column; gap: 4px; }
    a { color: #00565a; font-weight: 600; text-underline-offset: .15em; }
    a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; box-shadow: 0 0 0 5px #1b1b1b; }
    .price { font-weight: 700; }
    .meta { color: #4a4a4a; font-size: .9em; }
    .notice { margin: 0; padding: 8px 10px; border-left: 4px solid #00565a; background: #f4f2ee; }
    .sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .foot { display: flex; flex-wrap: wrap; justify-content: space-between; gap: 6px; margin-top: 10px; font-size: .9em; }
  `;

  const el = (doc, tag, attrs = {}, ...children) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  };

  const storefront = (hash) => `${BASE}/?ref=partner${hash}`;

  class ComptoirCatalogue extends HTMLElement {
    static get observedAttributes() { return ['key', 'commune', 'category', 'limit', 'shop']; }

    constructor() {
      super();
      this.root = this.attachShadow({ mode: 'open' });
      this.loaded = false;
    }

    connectedCallback() {
      const t = TEXT[(this.getAttribute('lang') || 'fr').slice(0, 2)] || TEXT.fr;
      this.t = t;
      const style = el(document, 'style');
      style.textContent = CSS;
      this.status = el(document, 'p', { role: 'status', class: 'notice' }, t.loading);
      this.section = el(document, 'section', { 'aria-label': this.heading() }, el(document, 'h2', {}, this.heading()), this.status);
      this.root.replaceChildren(style, this.section);
      if (!('IntersectionObserver' in window)) { this.load(); return; }
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { this.observer.disconnect(); this.load(); }
      }, { rootMargin: '200px' });
      this.observer.observe(this);
    }

    disconnectedCallback() { if (this.observer) this.observer.disconnect(); }

    attributeChangedCallback() { if (this.loaded) { this.loaded = false; this.load(); } }

    showsShops() { return SHOP_CATEGORIES.includes(this.getAttribute('category') || ''); }

    heading() { return this.getAttribute('heading') || (this.showsShops() ? this.t.shops : this.t.title); }

    async load() {
      if (this.loaded) return;
      this.loaded = true;
      const key = this.getAttribute('key') || '';
      const commune = this.getAttribute('commune') || '';
      const category = this.getAttribute('category') || '';
      const limit = Math.min(Math.max(Number(this.getAttribute('limit')) || 12, 1), 50);
      const q = new URLSearchParams({ pageSize: String(limit) });
      let path;
      if (this.showsShops()) {
        path = '/v1/shops';
        if (commune) { q.set('nearCommune', commune); q.set('radiusKm', '20'); }
        q.set('category', category);
      } else {
        path = '/v1/products:search';
        if (commune) q.set('commune', commune);
        if (category) q.set('category', category);
        if (this.getAttribute('shop')) q.set('shop', this.getAttribute('shop'));
        q.set('inStock', 'true');
      }
      const get = () => fetch(`${BASE}${path}?${q}`, { headers: { accept: 'application/json', 'x-api-key': key }, credentials: 'omit', referrerPolicy: 'origin' });
      let res;
      try {
        res = await get();
        if (res.status === 400 && q.has('nearCommune')) {
          // A gateway without the "around a commune" filter: the shops of the commune itself.
          q.delete('nearCommune');
          q.delete('radiusKm');
          q.set('commune', commune);
          res = await get();
        }
      } catch {
        // A CORS refusal (key bound to other origins) surfaces as a network error.
        this.notice(this.t.refused, 'refused');
        return;
      }
      if (res.status === 401 || res.status === 403) { this.notice(this.t.refused, 'refused'); return; }
      if (!res.ok) { this.notice(this.t.error, 'error'); return; }
      const data = await res.json();
      this.render(this.showsShops() ? data.shops || [] : data.products || [], category);
    }

    notice(text, state) {
      this.setAttribute('data-state', state);
      this.status.textContent = text;
    }

    render(items, category) {
      const t = this.t;
      const d = document;
      this.setAttribute('data-state', 'ready');
      if (!items.length) { this.status.textContent = t.none; return; }
      const list = el(d, 'ul');
      for (const it of items) {
        if (this.showsShops()) {
          list.append(el(d, 'li', {},
            el(d, 'a', { href: storefront(`#/commerce/${encodeURIComponent(it.slug || it.id)}`), target: '_top' }, it.name),
            el(d, 'span', { class: 'meta' }, `${it.communeName || ''}${it.distanceKm ? ` · ${it.distanceKm.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} km` : ''}`),
            el(d, 'span', { class: 'meta' }, it.openNow ? t.open : t.closed)));
        } else {
          list.append(el(d, 'li', {},
            el(d, 'a', { href: storefront(`#/produit/${encodeURIComponent(it.id)}`), target: '_top' }, it.name),
            el(d, 'span', { class: 'price' }, `${euro.format(Number(it.priceCents) / 100)} `, el(d, 'span', { class: 'meta' }, `${t.per} ${it.saleUnit}`)),
            el(d, 'span', { class: 'meta' }, `${t.from} ${it.shopName || ''}`)));
        }
      }
      const more = new URLSearchParams();
      if (category && !this.showsShops()) more.set('category', category);
      const foot = el(d, 'p', { class: 'foot' },
        el(d, 'a', { href: storefront(`#/?${more}`), target: '_top' }, t.more),
        el(d, 'span', { class: 'meta' }, t.by));
      // The count stays announced to screen readers, out of sight.
      this.status.className = 'sr';
      this.status.textContent = t.count(items.length);
      this.section.replaceChildren(this.section.firstChild, this.status, list, foot);
    }
  }

  customElements.define('comptoir-catalogue', ComptoirCatalogue);
})();
