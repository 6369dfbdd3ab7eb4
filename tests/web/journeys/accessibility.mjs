// axe-core finds no serious or critical WCAG 2.1 AA violation on any page, and the
// storefront needs no horizontal scrolling at 320 px.
import { COMTE, PASSWORD, shopWithProducts } from '../lib/seed.mjs';
import { accessible, assert, see, logIn } from '../lib/harness.mjs';
import { unique } from '../lib/client.mjs';

export const name = 'every page passes axe-core (no serious or critical violation) and fits 320 px';
export const needs = [];

export async function run(j) {
  const { email, shop, products } = await shopWithProducts(j.base, { name: 'Crèmerie Pasteur', products: [COMTE] });
  const scanned = [];
  const scan = async (page, label) => {
    await accessible(page, label);
    scanned.push(label);
  };

  const visitor = await j.person({ width: 320, height: 700 });
  await visitor.goto('/');
  await see(visitor, 'h2#titre-resultats');
  await scan(visitor, 'storefront search');
  const overflow = await visitor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert(overflow <= 0, `storefront fits 320 px (overflow ${overflow}px)`);
  await visitor.goto('/#/?q=comt%C3%A9');
  await see(visitor, 'li.card');
  await scan(visitor, 'storefront results');
  await visitor.goto(`/#/commerce/${shop.slug}`);
  await see(visitor, 'h1', { text: 'Crèmerie Pasteur' });
  await scan(visitor, 'shop page');
  await visitor.goto(`/#/produit/${products[0].id}`);
  await see(visitor, 'h1', { text: 'Comté' });
  await scan(visitor, 'product page');
  await visitor.getByRole('button', { name: /Ajouter Comté/ }).click();
  await visitor.goto('/#/panier');
  await see(visitor, 'h1', { text: 'Mon panier' });
  await scan(visitor, 'cart');
  await visitor.goto('/#/compte');
  await see(visitor, 'h2', { text: 'Créer un compte' });
  await scan(visitor, 'account (log in / sign up)');
  const id = unique();
  await visitor.getByLabel('Nom affiché').fill(`Camille ${id}`);
  await visitor.getByLabel('Adresse e-mail').nth(1).fill(`camille-${id}@exemple.fr`);
  await visitor.getByLabel('Mot de passe').nth(1).fill(PASSWORD);
  await visitor.getByRole('button', { name: 'Créer mon compte' }).click();
  await see(visitor, 'h2', { text: 'Mes données' });
  await scan(visitor, 'account (logged in)');
  await visitor.goto('/#/commande');
  await see(visitor, 'legend', { text: 'Comment recevoir' });
  await scan(visitor, 'checkout');

  const keeper = await j.person();
  await keeper.goto('/pro/');
  await see(keeper, 'h2', { text: 'Se connecter' });
  await scan(keeper, 'back office log-in');
  await logIn(keeper, email, PASSWORD);
  await see(keeper, 'h2', { text: 'Mes commerces' });
  await scan(keeper, 'back office: my shops');
  for (const [suffix, heading, label] of [['', 'Profil', 'profile and hours'], ['/produits', 'Importer', 'products'],
    ['/commandes', 'Commandes reçues', 'order inbox'], ['/livraison', 'Créneaux', 'delivery and slots']]) {
    await keeper.goto(`/pro/#/boutique/${shop.id}${suffix}`);
    await see(keeper, 'h1, h2', { text: heading });
    await keeper.waitForTimeout(300);
    await scan(keeper, `back office: ${label}`);
  }
  await keeper.goto(`/pro/#/boutique/${shop.id}/produit/nouveau`);
  await see(keeper, 'h1', { text: 'Nouveau produit' });
  await scan(keeper, 'back office: product editor');

  const courier = await j.person({ width: 390, height: 844 });
  await courier.goto('/livreur/');
  await see(courier, 'h2', { text: 'Se connecter' });
  await scan(courier, 'courier log-in');

  const agent = await j.person();
  await agent.goto('/region/');
  await logIn(agent, process.env.COMPTOIR_ADMIN_EMAIL, process.env.COMPTOIR_ADMIN_PASSWORD);
  await see(agent, 'h1', { text: 'Vérification des commerces' });
  await scan(agent, 'admin: moderation');
  await agent.goto('/region/#/partenaires');
  await see(agent, 'h1', { text: 'Sites partenaires' });
  await scan(agent, 'admin: partners');
  await agent.goto('/region/#/chiffres');
  await see(agent, 'figure svg');
  await scan(agent, 'admin: figures and map');
  return `${scanned.length} pages scanned`;
}
