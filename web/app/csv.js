// The product file shopkeepers exchange with their spreadsheet (French Excel: `;` separator,
// UTF-8 with BOM, decimal commas). checkCsv() is the browser's first look at a file before
// upload; the catalogue validates it again and stays the authority.
//   sku;nom;categorie;prix;tva;unite;quantite_nette;unite_nette;stock;labels;allergenes;description
export const COLUMNS = ['sku', 'nom', 'categorie', 'prix', 'tva', 'unite', 'quantite_nette', 'unite_nette', 'stock', 'labels', 'allergenes', 'description'];
const VAT = { '2,1': 210, '2.1': 210, '5,5': 550, '5.5': 550, '10': 1000, '20': 2000 };

function parseLines(text) {
  const body = text.replace(/^\ufeff/, '');
  const firstLine = body.split(/\r?\n/, 1)[0];
  const sep = (firstLine.match(/;/g) || []).length >= (firstLine.match(/,/g) || []).length ? ';' : ',';
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else { if (c === '\n') line++; cell += c; }
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      row.push(cell); rows.push({ line: rowLine, cells: row }); row = []; cell = ''; line++; rowLine = line;
    } else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push({ line: rowLine, cells: row }); }
  return rows.filter((r) => r.cells.some((c) => c.trim() !== ''));
}

export function checkCsv(text) {
  const lines = parseLines(text);
  const bad = [];
  const rows = [];
  if (!lines.length) return { rows, bad: [{ line: 1, reason: 'Fichier vide' }] };
  const header = lines[0].cells.map((c) => c.trim().toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/\s+/g, '_'));
  const missing = ['sku', 'nom', 'prix', 'tva', 'unite'].filter((c) => !header.includes(c));
  if (missing.length) return { rows, bad: [{ line: 1, reason: `Colonnes manquantes : ${missing.join(', ')}` }] };
  const skus = new Map();
  for (const { line, cells } of lines.slice(1)) {
    const get = (name) => (cells[header.indexOf(name)] || '').trim();
    const reasons = [];
    const sku = get('sku');
    if (!sku) reasons.push('SKU manquant');
    else if (skus.has(sku)) reasons.push(`SKU ${sku} déjà utilisé ligne ${skus.get(sku)}`);
    else skus.set(sku, line);
    if (!get('nom')) reasons.push('nom manquant');
    const priceText = get('prix').replace(/\s|€/g, '').replace(',', '.');
    const price = Number(priceText);
    if (!priceText || !Number.isFinite(price) || price < 0) reasons.push(`prix invalide « ${get('prix')} »`);
    const vat = VAT[get('tva').replace(/\s|%/g, '')];
    if (!vat) reasons.push(`TVA invalide « ${get('tva')} » (2,1 ; 5,5 ; 10 ou 20)`);
    if (!get('unite')) reasons.push('unité de vente manquante');
    const stockText = get('stock');
    if (stockText && !/^\d+$/.test(stockText)) reasons.push(`stock invalide « ${stockText} »`);
    if (reasons.length) { bad.push({ line, reason: reasons.join(' ; ') }); continue; }
    const list = (name) => get(name).split(/[|,]/).map((s) => s.trim()).filter(Boolean);
    rows.push({ line, product: {
      sku, name: get('nom'), category: get('categorie') || 'autre', priceCents: Math.round(price * 100), vatRateBp: vat,
      saleUnit: get('unite'), netQuantity: Number(get('quantite_nette').replace(',', '.') || 0), netQuantityUnit: get('unite_nette'),
      stockTracked: stockText !== '', stock: Number(stockText || 0), labels: list('labels'), allergens: list('allergenes'),
      description: get('description'), visible: true,
    } });
  }
  return { rows, bad };
}

const cell = (v) => {
  const s = String(v ?? '');
  return /[;"\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(products) {
  const lines = [COLUMNS.join(';')];
  for (const p of products) {
    lines.push([p.sku, p.name, p.category, (Number(p.priceCents) / 100).toFixed(2).replace('.', ','),
      (p.vatRateBp / 100).toString().replace('.', ','), p.saleUnit, p.netQuantity || '', p.netQuantityUnit || '',
      p.stockTracked ? p.stock || 0 : '', (p.labels || []).join('|'), (p.allergens || []).join('|'), p.description || ''].map(cell).join(';'));
  }
  return `${lines.join('\r\n')}\r\n`;
}
