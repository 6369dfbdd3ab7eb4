// A shopkeeper imports a CSV with mistakes: every bad line is shown with its number and
// reason and nothing is imported; after fixing the file, the import goes through.
import { PASSWORD, shopWithProducts } from '../lib/seed.mjs';
import { assert, see, logIn } from '../lib/harness.mjs';

export const name = 'shopkeeper imports a CSV with errors, fixes it, imports it';
export const needs = [];

const HEADER = 'sku;nom;categorie;prix;tva;unite;quantite_nette;unite_nette;stock;labels;allergenes;description';
const BAD = `\ufeff${HEADER}
MONTDOR;Mont d'Or AOP;fromage;18,50;5,5;pièce 500 g;500;g;4;aop-aoc;lait;Boîte d'épicéa
BLEU;Bleu de Gex;fromage;douze;5,5;250 g;250;g;3;aop-aoc;lait;
TOMME;Tomme du Jura;fromage;7,20;7;250 g;250;g;5;;lait;
`;
const GOOD = BAD.replace('douze', '6,40').replace(';7;250 g', ';5,5;250 g');

export async function run(j) {
  const { email, shop } = await shopWithProducts(j.base, { name: 'Fromagerie de la Citadelle' });
  const page = await j.person();
  await page.goto('/pro/');
  await logIn(page, email, PASSWORD);
  await see(page, 'h2', { text: 'Mes commerces' });
  await page.goto(`/pro/#/boutique/${shop.id}/produits`);
  await see(page, 'h2', { text: 'Importer un fichier CSV' });

  await page.getByLabel('Fichier CSV', { exact: true }).setInputFiles({ name: 'produits.csv', mimeType: 'text/csv', buffer: Buffer.from(BAD) });
  await page.getByRole('button', { name: 'Vérifier et importer' }).click();
  const errors = await see(page, 'table.import-errors');
  const rows = await errors.locator('tbody tr').allInnerTexts();
  assert(rows.length === 2, `two bad lines reported, got ${JSON.stringify(rows)}`);
  assert(rows[0].startsWith('3') && /prix/.test(rows[0]), `line 3 (price) reported: ${rows[0]}`);
  assert(rows[1].startsWith('4') && /TVA/.test(rows[1]), `line 4 (VAT) reported: ${rows[1]}`);
  assert((await page.locator('tr[data-sku]').count()) === 0, 'nothing imported from a file with errors');

  await page.getByLabel('Fichier CSV', { exact: true }).setInputFiles({ name: 'produits.csv', mimeType: 'text/csv', buffer: Buffer.from(GOOD) });
  await page.getByRole('button', { name: 'Vérifier et importer' }).click();
  await see(page, '.notice', { text: '3 produits importés' });
  await see(page, 'tr[data-sku="TOMME"]', { timeout: 10000 });
  assert((await page.locator('tr[data-sku]').count()) === 3, 'the three products are listed');
}
