#!/usr/bin/env python3
"""Loads a handful of realistic shops of the region through the public HTTP API.

A demo shopkeeper signs up (or logs in when it exists), creates the shops with their
opening hours, and the region admin approves them, so a fresh `scripts/run` shows active
shops. Re-running creates no duplicates: a shop already listed under the same name in its
commune is skipped. Any unexpected answer stops the script with the server's problem+json.

    scripts/demo_data.py GATEWAY_URL   (COMPTOIR_ADMIN_EMAIL / COMPTOIR_ADMIN_PASSWORD set)
"""
import json
import os
import sys
import urllib.error
import urllib.request

BASE = (sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080").rstrip("/")
ADMIN_EMAIL = os.environ["COMPTOIR_ADMIN_EMAIL"]
ADMIN_PASSWORD = os.environ["COMPTOIR_ADMIN_PASSWORD"]
SHOPKEEPER = {"email": "boutique.demo@comptoir.localhost", "displayName": "Boutique de démonstration",
              "password": ADMIN_PASSWORD + "-demo"}

# name, commune INSEE code (data/communes-bfc.csv), category, SIRET (fictitious, Luhn-valid)
SHOPS = [
    ("Fromagerie Gaugry", "21231", "fromagerie", "32612345600013"),        # Dijon
    ("Boulangerie du Morvan", "58062", "boulangerie", "41298765400016"),   # Château-Chinon
    ("Caves de la Côte", "21054", "caviste", "53214789600015"),            # Beaune
    ("Ferme des Fourches", "58145", "producteur", "82345698700010"),       # Lormes
    ("Primeur de Battant", "25056", "primeur", "79123456800016"),          # Besançon
    ("Épicerie de la Loue", "25434", "epicerie", "44567891200012"),        # Ornans
]
# Tuesday to Saturday 08:00-12:30 and 14:30-19:00, Sunday morning.
HOURS = {"weekly": [{"weekday": d, "ranges": [{"open": "08:00", "close": "12:30"},
                                              {"open": "14:30", "close": "19:00"}]}
                    for d in range(2, 7)] + [{"weekday": 7, "ranges": [{"open": "08:00",
                                                                       "close": "12:30"}]}]}


def call(method, path, body=None, token=None, ok=(200,)):
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
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
        sys.exit(f"demo-data: {method} {path} answered HTTP {e.code}: {payload}")


def login(email, password):
    return call("POST", "/v1/sessions", {"email": email, "password": password})[1]["accessToken"]


def main():
    status, session = call("POST", "/v1/sessions", {"email": SHOPKEEPER["email"],
                                                     "password": SHOPKEEPER["password"]},
                           ok=(200, 401))
    if status == 401:  # first run: the demo shopkeeper does not exist yet
        call("POST", "/v1/accounts", SHOPKEEPER)
        keeper = login(SHOPKEEPER["email"], SHOPKEEPER["password"])
    else:
        keeper = session["accessToken"]
    admin = login(ADMIN_EMAIL, ADMIN_PASSWORD)
    created = skipped = 0
    for name, insee, category, siret in SHOPS:
        _, listed = call("GET", f"/v1/shops?commune={insee}&page_size=100", token=admin)
        if any(s.get("name") == name for s in listed.get("shops", [])):
            skipped += 1
            continue
        _, shop = call("POST", "/v1/shops",
                       {"name": name, "communeInsee": insee, "category": category,
                        "siret": siret, "clickAndCollect": True, "preparationMinutes": 60},
                       token=keeper)
        call("PUT", f"/v1/shops/{shop['id']}/hours", HOURS, token=keeper)
        call("POST", f"/v1/shops/{shop['id']}:approve", {}, token=admin)
        created += 1
    print(f"demo-data: {created} shops created and approved, {skipped} already there "
          f"(demo shopkeeper: {SHOPKEEPER['email']})")


if __name__ == "__main__":
    main()
