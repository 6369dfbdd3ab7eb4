#!/usr/bin/env python3
"""Loads a demo directory of local shops through the public HTTP API (the gateway).

A few hundred shops spread over the communes of Bourgogne-Franche-Comté, drawn with a weight
proportional to each commune's population (data/communes-bfc.csv), with the opening hours
usual for their trade (bakeries open early and on Sunday morning, farm shops two evenings a
week, ...), summer holidays and Christmas days for some, a fictitious but Luhn-valid SIRET, an
address near the commune centre, and click-and-collect for most. A handful of demo
shopkeepers create them; the region admin approves them.

The draw is seeded, so every run wants the same shops: a shop whose slug already exists is
not created again (a pending one left by an interrupted run is approved), so re-running is
safe. Rate limits (HTTP 429) are waited out as the gateway's Retry-After says. Any other
unexpected answer stops the script with the server's problem+json.

Products are added per shop by the functions in PRODUCT_LOADERS (see add_products): each is
called as loader(api, shop, keeper_token, rng) after the shop is approved.

    scripts/demo_data.py [GATEWAY_URL] [--shops N] [--seed S]
    (COMPTOIR_ADMIN_EMAIL / COMPTOIR_ADMIN_PASSWORD set)
"""
import argparse
import csv
import datetime
import json
import os
import random
import sys
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMMUNES_CSV = os.path.join(ROOT, "data", "communes-bfc.csv")

# Hand-written shops, created first (their names are known to the README and tests by hand).
# name, commune INSEE code, category, SIRET (fictitious, Luhn-valid)
FLAGSHIP_SHOPS = [
    ("Fromagerie Gaugry", "21231", "fromagerie", "32612345600013"),        # Dijon
    ("Boulangerie du Morvan", "58062", "boulangerie", "41298765400016"),   # Château-Chinon
    ("Caves de la Côte", "21054", "caviste", "53214789600015"),            # Beaune
    ("Ferme des Fourches", "58145", "producteur", "82345698700010"),       # Lormes
    ("Primeur de Battant", "25056", "primeur", "79123456800016"),          # Besançon
    ("Épicerie de la Loue", "25434", "epicerie", "44567891200012"),        # Ornans
]

# Trades, how common they are among local shops, how they are named and described.
CATEGORIES = {
    "boulangerie": (20, ["Boulangerie", "Au Fournil", "Boulangerie-Pâtisserie"],
                    "Pain au levain, viennoiseries et pâtisseries faits sur place."),
    "boucherie-charcuterie": (10, ["Boucherie", "Boucherie-Charcuterie", "Maison"],
                              "Viandes de la région, charcuterie et plats cuisinés maison."),
    "fromagerie": (6, ["Fromagerie", "La Crèmerie", "Fromages"],
                   "Comté, époisses, morbier, mont-d'or et fromages fermiers affinés en cave."),
    "primeur": (8, ["Primeur", "Les Jardins", "Fruits et Légumes"],
                "Fruits et légumes de saison, en direct des maraîchers du coin."),
    "epicerie": (12, ["Épicerie", "Épicerie fine", "Le Panier"],
                 "Épicerie de village : produits du quotidien et spécialités régionales."),
    "caviste": (7, ["Cave", "Caviste", "Le Cellier"],
                "Vins de Bourgogne et du Jura, crémants, bières artisanales."),
    "poissonnerie": (3, ["Poissonnerie", "La Marée", "Poissons"],
                     "Poissons de rivière et de mer, arrivages du mardi au samedi."),
    "librairie": (6, ["Librairie", "Le Bouquiniste", "Livres"],
                  "Romans, jeunesse, bandes dessinées et régionalisme ; commandes en 48 h."),
    "fleuriste": (7, ["Fleurs", "L'Atelier Floral", "Fleuriste"],
                  "Bouquets, plantes et compositions pour toutes les occasions."),
    "quincaillerie": (5, ["Quincaillerie", "Droguerie", "Bricolage"],
                      "Outillage, visserie, quincaillerie de bâtiment et conseils."),
    "producteur": (10, ["Ferme", "GAEC", "Domaine"],
                   "Vente à la ferme : œufs, volailles, légumes, miel et confitures."),
    "artisan": (6, ["Atelier", "Créations", "L'Établi"],
                "Objets faits main : céramique, bois, cuir et textile."),
}
SURNAMES = ["Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois",
            "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David",
            "Bertrand", "Morel", "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
            "Rousseau", "Vincent", "Muller", "Faure", "André", "Mercier", "Blanc", "Guérin",
            "Boyer", "Garnier", "Chevalier", "François", "Legrand", "Gauthier", "Perrin",
            "Clément", "Jacquot", "Grosjean", "Monnier", "Vuillemin", "Cuenot", "Jeannin"]
STREETS = ["rue de la République", "Grande Rue", "place de l'Église", "rue du Commerce",
           "rue Victor Hugo", "place du Marché", "rue de la Gare", "avenue Jean Jaurès",
           "rue Pasteur", "rue des Écoles", "place de la Mairie", "rue du Moulin",
           "chemin des Vignes", "route de la Forêt", "rue Gambetta"]

MON, TUE, WED, THU, FRI, SAT, SUN = range(1, 8)


def ranges(*pairs):
    return [{"open": o, "close": c} for o, c in pairs]


def shift(clock, minutes):
    """'08:00' moved by `minutes` (kept within the day)."""
    h, m = map(int, clock.split(":"))
    total = max(0, min(24 * 60, h * 60 + m + minutes))
    return f"{total // 60:02d}:{total % 60:02d}"


def weekly_hours(category, rng):
    """The usual week of a shop of `category`, each shop a little different."""
    d = rng.choice([-30, -15, 0, 0, 15, 30])  # this shop opens a bit earlier or later
    split = lambda o1, c1, o2, c2: ranges((shift(o1, d), c1), (o2, shift(c2, d)))  # noqa: E731
    days = {}
    if category == "boulangerie":
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = split("06:30", "13:00", "15:30", "19:30")
        days[SUN] = ranges(("07:00", "12:30"))
        if rng.random() < 0.3:  # a town bakery that also opens on Monday
            days[MON] = split("06:30", "13:00", "15:30", "19:30")
    elif category in ("boucherie-charcuterie", "primeur"):
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = split("08:00", "12:30", "15:00", "19:00")
        days[SUN] = ranges(("08:30", "12:30"))
    elif category == "fromagerie":
        for day in (TUE, WED, THU, FRI):
            days[day] = split("09:00", "12:30", "15:00", "19:00")
        days[SAT] = ranges((shift("08:30", d), "19:00"))
        days[SUN] = ranges(("09:00", "12:30"))
    elif category == "epicerie":
        for day in (MON, TUE, WED, THU, FRI, SAT):
            days[day] = split("08:30", "12:30", "15:00", "19:30")
        days[SUN] = ranges(("09:00", "12:30"))
    elif category == "caviste":
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = split("10:00", "12:30", "14:30", "19:30")
    elif category == "poissonnerie":
        for day in (TUE, WED, THU, SAT):
            days[day] = ranges((shift("08:00", d), "12:30"))
        days[FRI] = split("08:00", "12:30", "16:00", "19:00")
    elif category == "librairie":
        days[MON] = ranges(("14:00", "19:00"))
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = ranges((shift("09:30", d), "19:00"))
    elif category == "fleuriste":
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = split("09:00", "12:30", "14:30", "19:00")
        days[SUN] = ranges(("09:00", "13:00"))
    elif category == "quincaillerie":
        for day in (MON, TUE, WED, THU, FRI):
            days[day] = split("08:30", "12:00", "14:00", "18:30")
        days[SAT] = ranges(("08:30", "12:00"))
    elif category == "producteur":  # farm shop: two evenings and Saturday morning
        days[WED] = ranges(("16:00", "19:00"))
        days[FRI] = ranges(("16:00", "19:00"))
        days[SAT] = ranges(("09:00", "12:30"))
    else:  # artisan
        for day in (TUE, WED, THU, FRI, SAT):
            days[day] = split("10:00", "12:30", "14:00", "18:30")
    return [{"weekday": day, "ranges": days[day]} for day in sorted(days)]


def exceptions(category, rng, today):
    """Closures and special days ahead: summer holidays, Christmas, New Year's Day."""
    out = []
    year = today.year if today < datetime.date(today.year, 8, 1) else today.year + 1
    if category not in ("epicerie", "producteur") and rng.random() < 0.6:
        start = datetime.date(year, 8, rng.choice([1, 8, 15]))
        out.append({"startDate": start.isoformat(),
                    "endDate": (start + datetime.timedelta(days=13)).isoformat(),
                    "closed": True, "label": "Congés d'été"})
    christmas = datetime.date(today.year if today <= datetime.date(today.year, 12, 24)
                              else today.year + 1, 12, 24)
    if category in ("boulangerie", "boucherie-charcuterie", "fromagerie", "caviste",
                    "poissonnerie", "fleuriste"):
        out.append({"startDate": christmas.isoformat(), "closed": False,
                    "ranges": ranges(("07:00", "18:00")), "label": "Réveillon : ouvert non-stop"})
    out.append({"startDate": (christmas + datetime.timedelta(days=1)).isoformat(),
                "closed": True, "label": "Noël"})
    out.append({"startDate": datetime.date(christmas.year + 1, 1, 1).isoformat(),
                "closed": True, "label": "Jour de l'an"})
    return out


def luhn_siret(rng):
    """A fictitious 14-digit SIRET with a right Luhn key (never La Poste's 356000000)."""
    while True:
        body = [rng.randrange(1, 10)] + [rng.randrange(10) for _ in range(12)]
        for key in range(10):
            digits = body + [key]
            total = 0
            for i, digit in enumerate(reversed(digits)):
                doubled = digit * 2 if i % 2 == 1 else digit
                total += doubled - 9 if doubled > 9 else doubled
            if total % 10 == 0:
                siret = "".join(map(str, digits))
                if not siret.startswith("356000000"):
                    return siret


def slugify(text):
    """The service's slug: ASCII letters and digits, accents folded, other runs a hyphen."""
    folded = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe"))
    out, hyphen = [], False
    for ch in folded.lower():
        if ch.isascii() and ch.isalnum():
            if hyphen and out:
                out.append("-")
            out.append(ch)
            hyphen = False
        elif not unicodedata.combining(ch):
            hyphen = True
    return "".join(out)[:80].rstrip("-")


def load_communes():
    with open(COMMUNES_CSV, encoding="utf-8") as f:
        return [row for row in csv.DictReader(f) if int(row["population"]) > 0]


def plan_shops(count, seed, today):
    """The demo shops: the flagships, then `count` in all drawn by population. Pure."""
    rng = random.Random(seed)
    communes = load_communes()
    by_code = {c["insee_code"]: c for c in communes}
    weights = [int(c["population"]) for c in communes]
    names = [(cat, w) for cat, (w, _, _) in CATEGORIES.items()]
    shops, slugs = [], set()
    for name, insee, category, siret in FLAGSHIP_SHOPS:
        shops.append(shop_request(name, by_code[insee], category, siret, rng, today))
        slugs.add(slugify(name))
    while len(shops) < count:
        commune = rng.choices(communes, weights=weights)[0]
        category = rng.choices([c for c, _ in names], weights=[w for _, w in names])[0]
        prefix = rng.choice(CATEGORIES[category][1])
        name = f"{prefix} {rng.choice(SURNAMES)}"
        if slugify(name) in slugs:  # the same name elsewhere: say where
            name = f"{name} ({commune['name']})"
        if slugify(name) in slugs:
            continue
        slugs.add(slugify(name))
        shops.append(shop_request(name, commune, category, luhn_siret(rng), rng, today))
    return shops


def shop_request(name, commune, category, siret, rng, today):
    slug = slugify(name)
    # Within about a kilometre of the commune centre (more in towns), so distances differ.
    spread = 0.004 if int(commune["population"]) < 5000 else 0.015
    shop = {
        "name": name, "communeInsee": commune["insee_code"], "category": category,
        "siret": siret,
        "description": CATEGORIES[category][2],
        "streetAddress": f"{rng.randrange(1, 60)} {rng.choice(STREETS)}",
        "latitude": round(float(commune["latitude"]) + rng.uniform(-spread, spread), 6),
        "longitude": round(float(commune["longitude"]) + rng.uniform(-spread, spread), 6),
        "phone": "03 " + " ".join(f"{rng.randrange(100):02d}" for _ in range(4)),
        "email": f"contact@{slug}.example",
        "clickAndCollect": rng.random() < 0.7,
        "preparationMinutes": rng.choice([15, 30, 60, 120]),
        "openingHours": {"weekly": weekly_hours(category, rng),
                         "exceptions": exceptions(category, rng, today)},
    }
    if rng.random() < 0.4:
        shop["website"] = f"https://{slug}.example"
    return shop


class Api:
    """JSON over HTTP to the gateway; waits out 429/503 as Retry-After says."""

    def __init__(self, base):
        self.base = base.rstrip("/")

    def call(self, method, path, body=None, token=None, ok=(200,)):
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        for attempt in range(30):
            request = urllib.request.Request(self.base + path, data=data, method=method)
            request.add_header("Content-Type", "application/json")
            if token:
                request.add_header("Authorization", "Bearer " + token)
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as e:
                payload = e.read().decode(errors="replace")
                if e.code in ok:
                    return e.code, json.loads(payload or "{}")
                if e.code in (429, 503) and attempt < 29:
                    wait = float(e.headers.get("Retry-After") or 1)
                    time.sleep(min(max(wait, 0.2), 60))
                    continue
                sys.exit(f"demo-data: {method} {path} answered HTTP {e.code}: {payload}")
        sys.exit(f"demo-data: {method} {path} kept being rate limited")

    def login(self, email, password):
        return self.call("POST", "/v1/sessions",
                         {"email": email, "password": password})[1]["accessToken"]

    def session(self, email, display_name, password):
        """Logs in (signing up the first time) and returns the whole session."""
        status, session = self.call("POST", "/v1/sessions",
                                    {"email": email, "password": password}, ok=(200, 401))
        if status == 200:
            return session
        self.call("POST", "/v1/accounts",
                  {"email": email, "displayName": display_name, "password": password})
        return self.call("POST", "/v1/sessions", {"email": email, "password": password})[1]

    def refresh(self, session):
        """A new access token (it names the shops the account manages now); rotates the
        refresh token in place."""
        _, fresh = self.call("POST", "/v1/sessions:refresh",
                             {"refreshToken": session["refreshToken"]})
        session.update(fresh)
        return session["accessToken"]


# Functions adding products to a new demo shop: loader(api, shop, keeper_token, rng), where
# `shop` is the shop as the API returned it (id, slug, category, ...). The catalogue's demo
# products register here.
PRODUCT_LOADERS = []

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "bench", "catalogue"))
import demo_products  # noqa: E402  (bench/catalogue: the catalogue's demo products)


def hhmm(text):
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def open_ranges(shop, weekday):
    """The shop's opening ranges of an ISO weekday, as (start, end) minutes."""
    for day in shop.get("openingHours", {}).get("weekly", []):
        if day.get("weekday") == weekday:
            out = []
            for r in day.get("ranges", []):
                start, end = hhmm(r["open"]), hhmm(r["close"])
                out.append((start, end if end > start else 1440))
            return out
    return []


def add_slots_and_zones(api, shop, keeper_token, rng):
    """Pickup slots of an hour inside the shop's opening hours (after an hour of preparation),
    two delivery afternoons a week for about half of the shops, and their delivery zone."""
    templates = []
    for weekday in range(1, 8):
        for start, end in open_ranges(shop, weekday):
            slot = start + 60
            while slot + 60 <= end and len(templates) < 150:
                templates.append({"kind": "SLOT_KIND_PICKUP", "weekday": weekday,
                                  "startMinute": slot, "endMinute": slot + 60,
                                  "capacity": 6, "cutoffDaysBefore": 0,
                                  "cutoffMinute": max(0, slot - 60)})
                slot += 60
    delivers = rng.random() < 0.5
    if delivers:
        for weekday in rng.sample([2, 3, 4, 5, 6], 2):
            templates.append({"kind": "SLOT_KIND_DELIVERY", "weekday": weekday,
                              "startMinute": hhmm("14:00"), "endMinute": hhmm("16:00"),
                              "capacity": 8, "cutoffDaysBefore": 1,
                              "cutoffMinute": hhmm("18:00")})
            templates.append({"kind": "SLOT_KIND_DELIVERY", "weekday": weekday,
                              "startMinute": hhmm("16:00"), "endMinute": hhmm("18:00"),
                              "capacity": 8, "cutoffDaysBefore": 1,
                              "cutoffMinute": hhmm("18:00")})
    api.call("PUT", f"/v1/shops/{shop['id']}/slot-templates", {"slotTemplates": templates},
             token=keeper_token)
    if delivers:
        zone = {"name": "Alentours", "radiusKm": rng.choice([8, 12, 15, 20]),
                "feeCents": rng.choice([300, 450, 500]), "minimumOrderCents": 1500,
                "freeDeliveryThresholdCents": rng.choice([0, 5000, 6000])}
        api.call("PUT", f"/v1/shops/{shop['id']}/delivery-zones", {"zones": [zone]},
                 token=keeper_token)


PRODUCT_LOADERS.append(demo_products.load_products)
PRODUCT_LOADERS.append(add_slots_and_zones)


def add_products(api, shop, keeper_token, rng):
    for loader in PRODUCT_LOADERS:
        loader(api, shop, keeper_token, rng)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gateway", nargs="?", default="http://127.0.0.1:8080")
    parser.add_argument("--shops", type=int, default=300, help="how many shops in all")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the draw")
    parser.add_argument("--keepers", type=int, default=5, help="demo shopkeepers")
    args = parser.parse_args()
    admin_password = os.environ["COMPTOIR_ADMIN_PASSWORD"]
    api = Api(args.gateway)

    admin = api.login(os.environ["COMPTOIR_ADMIN_EMAIL"], admin_password)
    # Several shopkeepers share the work (write limits are per caller); the first is the one
    # earlier demo data had.
    keepers = []
    for i in range(max(1, args.keepers)):
        email = ("boutique.demo@comptoir.localhost" if i == 0
                 else f"commercant{i}.demo@comptoir.localhost")
        keepers.append(api.session(email, f"Commerçant de démonstration {i + 1}",
                                   admin_password + "-demo"))

    # A demo courier, for the rounds of the demo shops that deliver.
    courier = api.session("livreur.demo@comptoir.localhost", "Livreur de démonstration",
                          admin_password + "-demo")
    api.call("POST", f"/v1/accounts/{courier['account']['id']}:grantCourier", {}, token=admin)

    rng = random.Random(args.seed + 1)
    created = approved = skipped = 0
    new_shops = []
    started = time.monotonic()
    for i, request in enumerate(plan_shops(args.shops, args.seed, datetime.date.today())):
        keeper = keepers[i % len(keepers)]
        slug = slugify(request["name"])
        status, shop = api.call("GET", f"/v1/shops/{slug}", token=admin, ok=(200, 404))
        if status == 404:
            _, shop = api.call("POST", "/v1/shops", request, token=keeper["accessToken"])
            created += 1
        if shop["status"] == "active":
            skipped += 1
            continue
        if shop["status"] == "pending":
            _, shop = api.call("POST", f"/v1/shops/{shop['id']}:approve", {}, token=admin)
            approved += 1
            new_shops.append((keeper, shop))
    # The keepers' tokens must name their new shops: one refresh each (refreshes are rate
    # limited like logins), then the products, slots and zones of every new shop.
    for keeper in keepers:
        wanted = {shop["id"] for k, shop in new_shops if k is keeper}
        deadline = time.monotonic() + 60
        while True:  # memberships reach accounts asynchronously (shops' membership sync)
            _, me = api.call("GET", "/v1/accounts/me", token=keeper["accessToken"])
            if wanted <= set(me.get("shopIds", [])) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        api.refresh(keeper)
    for keeper, shop in new_shops:
        add_products(api, shop, keeper["accessToken"], rng)
    print(f"demo-data: {created} shops created, {approved} approved, {skipped} already active "
          f"in {time.monotonic() - started:.1f} s (demo shopkeepers: boutique.demo@ and "
          f"commercantN.demo@comptoir.localhost; courier: livreur.demo@comptoir.localhost)")


if __name__ == "__main__":
    main()
