// A resident finds a cheese near Besançon and orders it for pickup; the shopkeeper sees the
// order arrive live in the inbox and accepts it; the resident sees the status change.
import { COMTE, MORBIER, PASSWORD, shopWithProducts } from '../lib/seed.mjs';
import { unique } from '../lib/client.mjs';
import { assert, screenshot, see, logIn } from '../lib/harness.mjs';

export const name = 'resident orders a cheese near Besançon for pickup; shopkeeper accepts it live';
export const needs = ['POST /v1/checkouts', 'GET /v1/shops/{shop}/orders', 'GET /v1/orders', 'POST /v1/orders/{order}:accept'];

export async function run(j) {
  const shopName = `Fromagerie Battant ${unique()}`;
  const { email, shop } = await shopWithProducts(j.base, { name: shopName, commune: '25056', products: [COMTE, MORBIER] });

  // The shopkeeper opens the inbox first and keeps it open.
  const keeper = await j.person();
  await keeper.goto('/pro/');
  await logIn(keeper, email, PASSWORD);
  await see(keeper, 'h2', { text: 'Mes commerces' });
  await keeper.goto(`/pro/#/boutique/${shop.id}/commandes`);
  await see(keeper, 'h1', { text: 'Commandes reçues' });
  await see(keeper, '#boite-commandes', { text: 'Aucune commande' });

  // The resident, on a phone.
  const resident = await j.person({ width: 390, height: 844 });
  await resident.goto('/');
  const commune = resident.getByRole('combobox', { name: 'Commune' });
  await commune.fill('Besan');
  await resident.getByRole('option', { name: /Besançon/ }).first().click();
  await see(resident, 'h1', { text: 'près de Besançon' });
  await resident.getByRole('combobox', { name: 'Produit recherché' }).fill('comté');
  await resident.getByRole('button', { name: 'Rechercher', exact: true }).click();
  const card = resident.locator('li.card').filter({ hasText: shopName }).filter({ hasText: 'Comté' });
  await card.first().waitFor();
  assert(/27,60\s€ le kg/.test(await card.first().innerText()), 'the card shows the price per kg');
  await card.first().getByRole('button', { name: /Ajouter Comté/ }).click();
  await see(resident, '#nombre-panier', { text: '1 article' });

  await resident.goto('/#/commande');
  await resident.getByRole('link', { name: 'Se connecter' }).click();
  const id = unique();
  await resident.getByLabel('Nom affiché').fill('Jeanne Martin');
  await resident.getByLabel('Adresse e-mail').nth(1).fill(`jeanne-${id}@exemple.fr`);
  await resident.getByLabel('Mot de passe').nth(1).fill(PASSWORD);
  await resident.getByRole('button', { name: 'Créer mon compte' }).click();
  await see(resident, 'h1', { text: 'Commander' });
  await resident.locator('input[type=radio][name^="creneau-"]:not([disabled])').first().check();
  await resident.getByLabel('Téléphone').fill('06 12 34 56 78');
  await resident.getByRole('button', { name: /Valider la commande/ }).click();
  await see(resident, 'h1', { text: 'Commande envoyée' });
  const number = (await resident.locator('main li').first().innerText()).split(' ')[0];
  assert(/^CPT-\d{4}-\d+$/.test(number), `an order number is shown (${number})`);

  // Live: the order appears in the open inbox without reloading it.
  const order = await see(keeper, 'article.order[data-status="placed"]', { text: number, timeout: 25000 });
  await see(keeper, '.alert-banner', { text: 'Nouvelle commande' });
  await screenshot(keeper, 'back-office-inbox');
  await order.getByRole('button', { name: `Accepter la commande ${number}` }).click();
  await see(keeper, 'article.order[data-status="accepted"]', { text: number });

  await resident.goto('/#/compte');
  await see(resident, `li.order [data-status="accepted"]`, { timeout: 20000 });

  // The resident downloads everything Comptoir keeps about them.
  const [download] = await Promise.all([resident.waitForEvent('download'), resident.getByRole('button', { name: 'Télécharger mes données' }).click()]);
  assert(download.suggestedFilename() === 'comptoir-mes-donnees.json', 'the export is saved as a JSON file');
}
