"""Demo products for a shop, by shop category: realistic French names, units and prices.

Used by scripts/demo_data.py (one loader call a new demo shop) and usable on its own:

    import random, demo_products
    rows = demo_products.products_for_shop("fromagerie", random.Random(1), count=25)
    csv_text = demo_products.products_csv(rows)      # the format of products:import
    demo_products.load_products(api, shop, token, rng)  # POST .../products:import

`api.call(method, path, body, token=...)` is scripts/demo_data.py's client: it returns
(status, decoded JSON) and raises on an unexpected status.
"""

import base64
import random

# (name, sale unit, net quantity, unit, price in cents, VAT in basis points, product category,
#  labels, allergens). Prices are the usual shop prices of the region in 2026.
CATALOGUE = {
    "fromagerie": [
        ("Comté AOP 18 mois", "250 g", 250, "g", 690, 550, "fromage", "aop-aoc", "lait"),
        ("Comté fruité 12 mois", "500 g", 500, "g", 1190, 550, "fromage", "aop-aoc", "lait"),
        ("Morbier au lait cru", "300 g", 300, "g", 620, 550, "fromage", "aop-aoc", "lait"),
        ("Époisses de Bourgogne", "250 g", 250, "g", 990, 550, "fromage", "aop-aoc", "lait"),
        ("Mont d'Or Vacherin du Haut-Doubs", "500 g", 500, "g", 1490, 550, "fromage", "aop-aoc",
         "lait"),
        ("Bleu de Gex affiné", "200 g", 200, "g", 560, 550, "fromage", "aop-aoc", "lait"),
        ("Cancoillotte nature", "250 g", 250, "g", 390, 550, "fromage", "local", "lait"),
        ("Camembert fermier", "250 g", 250, "g", 450, 550, "fromage", "", "lait"),
        ("Crème fraîche épaisse", "pot 50 cl", 50, "cl", 420, 550, "cremerie", "local", "lait"),
        ("Beurre doux de baratte", "250 g", 250, "g", 380, 550, "cremerie", "", "lait"),
    ],
    "boulangerie": [
        ("Pain de campagne au levain", "pièce", 0, "", 420, 550, "boulangerie", "fait-maison",
         "gluten"),
        ("Baguette tradition", "pièce", 0, "", 120, 550, "boulangerie", "fait-maison", "gluten"),
        ("Pain aux noix", "pièce 400 g", 400, "g", 380, 550, "boulangerie", "fait-maison",
         "gluten|fruits-a-coque"),
        ("Croissant pur beurre", "pièce", 0, "", 130, 550, "patisserie", "fait-maison",
         "gluten|lait|oeufs"),
        ("Tarte aux myrtilles", "pièce", 0, "", 1850, 550, "patisserie", "fait-maison",
         "gluten|lait|oeufs"),
        ("Pain d'épices de Dijon", "400 g", 400, "g", 650, 550, "patisserie", "local",
         "gluten|oeufs"),
        ("Galette comtoise", "pièce", 0, "", 1200, 550, "patisserie", "fait-maison",
         "gluten|lait|oeufs"),
    ],
    "caviste": [
        ("Vin jaune du Jura", "bouteille 62 cl", 62, "cl", 3500, 2000, "vin", "aop-aoc", "sulfites"),
        ("Crémant de Bourgogne brut", "bouteille 75 cl", 75, "cl", 1290, 2000, "vin", "aop-aoc",
         "sulfites"),
        ("Côte de Nuits-Villages rouge", "bouteille 75 cl", 75, "cl", 2890, 2000, "vin",
         "aop-aoc", "sulfites"),
        ("Chablis premier cru", "bouteille 75 cl", 75, "cl", 2450, 2000, "vin", "aop-aoc",
         "sulfites"),
        ("Macvin du Jura", "bouteille 75 cl", 75, "cl", 2200, 2000, "vin", "aop-aoc", "sulfites"),
        ("Bière blonde artisanale", "bouteille 33 cl", 33, "cl", 350, 2000, "biere", "local",
         "gluten"),
        ("Crème de cassis de Dijon", "bouteille 50 cl", 50, "cl", 1690, 2000, "spiritueux",
         "igp", ""),
        ("Jus de pomme fermier", "bouteille 1 l", 1, "l", 390, 550, "boisson", "bio", ""),
    ],
    "boucherie-charcuterie": [
        ("Saucisse de Morteau IGP", "pièce 350 g", 350, "g", 890, 550, "charcuterie", "igp", ""),
        ("Jambon persillé de Bourgogne", "200 g", 200, "g", 540, 550, "charcuterie",
         "fait-maison", "moutarde"),
        ("Bœuf charolais à bourguignon", "1 kg", 1, "kg", 1890, 550, "viande", "label-rouge", ""),
        ("Poulet de Bresse", "pièce 1,8 kg", 1800, "g", 2890, 550, "viande", "aop-aoc", ""),
        ("Saucisse de Montbéliard", "pièce 200 g", 200, "g", 450, 550, "charcuterie", "igp", ""),
        ("Terrine de campagne", "250 g", 250, "g", 520, 550, "charcuterie", "fait-maison", "oeufs"),
    ],
    "primeur": [
        ("Pommes de terre de Bresse", "1 kg", 1, "kg", 250, 550, "fruits-legumes", "local", ""),
        ("Carottes des sables", "1 kg", 1, "kg", 220, 550, "fruits-legumes", "", ""),
        ("Cassis de Bourgogne", "250 g", 250, "g", 450, 550, "fruits-legumes", "local", ""),
        ("Pommes reinettes", "1 kg", 1, "kg", 290, 550, "fruits-legumes", "bio", ""),
        ("Salade batavia", "pièce", 0, "", 120, 550, "fruits-legumes", "local", ""),
        ("Champignons de Paris", "500 g", 500, "g", 350, 550, "fruits-legumes", "", ""),
    ],
    "epicerie": [
        ("Moutarde de Dijon à l'ancienne", "200 g", 200, "g", 390, 550, "epicerie", "", "moutarde"),
        ("Miel de sapin des Vosges", "500 g", 500, "g", 1250, 550, "epicerie", "aop-aoc", ""),
        ("Lentilles vertes", "500 g", 500, "g", 320, 550, "epicerie", "bio", ""),
        ("Huile de noix", "bouteille 50 cl", 50, "cl", 1150, 550, "epicerie", "",
         "fruits-a-coque"),
        ("Confiture de mirabelles", "pot 370 g", 370, "g", 520, 550, "epicerie", "fait-maison", ""),
        ("Café en grains", "250 g", 250, "g", 690, 550, "epicerie", "bio", ""),
    ],
    "poissonnerie": [
        ("Truite fario de rivière", "pièce 300 g", 300, "g", 890, 550, "poisson", "local",
         "poissons"),
        ("Filet de sandre", "200 g", 200, "g", 950, 550, "poisson", "", "poissons"),
        ("Moules de bouchot", "1 kg", 1, "kg", 690, 550, "poisson", "", "mollusques"),
        ("Crevettes cuites", "250 g", 250, "g", 790, 550, "poisson", "", "crustaces"),
    ],
    "librairie": [
        ("Guide des fromages de Franche-Comté", "pièce", 0, "", 2200, 550, "livre", "", ""),
        ("Recettes de Bourgogne", "pièce", 0, "", 1990, 550, "livre", "", ""),
        ("Randonnées dans le Jura", "pièce", 0, "", 1490, 550, "livre", "", ""),
        ("Album jeunesse : Le loup du Morvan", "pièce", 0, "", 1350, 550, "livre", "", ""),
    ],
    "fleuriste": [
        ("Bouquet de saison", "pièce", 0, "", 2500, 1000, "fleur", "local", ""),
        ("Orchidée en pot", "pièce", 0, "", 2990, 1000, "fleur", "", ""),
        ("Couronne de Noël", "pièce", 0, "", 3500, 1000, "fleur", "fait-maison", ""),
    ],
    "quincaillerie": [
        ("Vis à bois inox 4x40", "boîte de 100", 0, "", 690, 2000, "maison", "", ""),
        ("Marteau de menuisier", "pièce", 0, "", 1590, 2000, "maison", "", ""),
        ("Ampoule LED E27", "pièce", 0, "", 490, 2000, "maison", "", ""),
    ],
    "producteur": [
        ("Œufs de plein air", "boîte de 6", 0, "", 290, 550, "cremerie", "bio", "oeufs"),
        ("Panier de légumes de la ferme", "pièce", 0, "", 1500, 550, "fruits-legumes", "bio", ""),
        ("Yaourt fermier nature", "pot 125 g", 125, "g", 90, 550, "cremerie", "local", "lait"),
        ("Jus de pomme fermier", "bouteille 1 l", 1, "l", 390, 550, "boisson", "local", ""),
    ],
}

VARIANTS = ["", " maison", " artisanal", " du producteur", " de saison", " tradition"]
COLUMNS = ["sku", "name", "description", "category", "labels", "allergens", "price",
           "vat_rate", "sale_unit", "net_quantity", "net_quantity_unit", "stock", "visible"]


def products_for_shop(shop_category, rng, count=None):
    """About 10-30 products (or `count`) for a shop of `shop_category`, as dicts with the
    CSV columns; shops of unknown categories get the épicerie's."""
    base = CATALOGUE.get(shop_category, CATALOGUE["epicerie"])
    count = count if count is not None else rng.randint(10, 30)
    rows, seen = [], set()
    for i in range(count):
        name, unit, qty, qunit, price, vat, category, labels, allergens = base[i % len(base)]
        variant = VARIANTS[(i // len(base)) % len(VARIANTS)]
        full_name = name + variant
        if full_name in seen:
            full_name = f"{name} n°{i + 1}"
        seen.add(full_name)
        tracked = rng.random() < 0.6
        rows.append({
            "sku": f"{category[:4].upper()}-{i + 1:04d}",
            "name": full_name,
            "description": f"{name}, sélectionné par la boutique.",
            "category": category,
            "labels": labels,
            "allergens": allergens,
            # Prices move by a few per cent between shops.
            "price": max(10, price + rng.randint(-price // 10, price // 10)),
            "vat_rate": vat,
            "sale_unit": unit,
            "net_quantity": qty,
            "net_quantity_unit": qunit,
            "stock": rng.randint(0, 40) if tracked else None,
            "visible": rng.random() > 0.03,
        })
    return rows


def _cell(value):
    text = str(value)
    if any(c in text for c in ';"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def products_csv(rows):
    """The rows as the CSV products:import reads (UTF-8 BOM, `;`, decimal commas, CRLF)."""
    lines = [";".join(COLUMNS)]
    for r in rows:
        price = f"{r['price'] // 100},{r['price'] % 100:02d}"
        vat = f"{r['vat_rate'] / 100:g}".replace(".", ",")
        cells = [r["sku"], r["name"], r["description"], r["category"], r["labels"],
                 r["allergens"], price, vat, r["sale_unit"],
                 r["net_quantity"] if r["net_quantity_unit"] else "", r["net_quantity_unit"],
                 "" if r["stock"] is None else r["stock"], "oui" if r["visible"] else "non"]
        lines.append(";".join(_cell(c) for c in cells))
    return "\ufeff" + "\r\n".join(lines) + "\r\n"


def load_products(api, shop, keeper_token, rng):
    """A PRODUCT_LOADERS entry of scripts/demo_data.py: imports a shop's demo products in one
    call. `keeper_token` must be issued after the shop was created (it names the shop)."""
    csv_text = products_csv(products_for_shop(shop.get("category", ""), rng))
    body = {"csv": base64.b64encode(csv_text.encode("utf-8")).decode("ascii")}
    _, job = api.call("POST", f"/v1/shops/{shop['id']}/products:import", body,
                      token=keeper_token)
    if job.get("state") != "SUCCEEDED":
        raise RuntimeError(f"demo products of {shop.get('slug')}: {job}")
    return job


if __name__ == "__main__":
    print(products_csv(products_for_shop("fromagerie", random.Random(1), 12)), end="")
