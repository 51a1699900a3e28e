//! Offline location of a ship-to address, for distance-based routing.
//!
//! [`Geocoder::locate`] turns (country, postal code, city, region) into a latitude/longitude and
//! says how precise the answer is. It tries, in order: the postal code, the city name, the region
//! (first-level administrative division) and finally the country. Everything comes from tables
//! bundled in the crate (`data/*.tsv.gz`, about 1.4 MB), so nothing is downloaded at run time.
//!
//! Coverage: postal codes for US (ZIP, from the 2023 Census ZCTA Gazetteer plus GeoNames for
//! ZIPs without a ZCTA), DE, FR, AU, AT, CH, IT, ES (full codes), GB (outward code only, e.g.
//! `SW1A`), CA (first three characters, e.g. `K1A`) and NL (four digits). Cities of 15,000 or more
//! inhabitants worldwide (English name plus the local spelling where one is known), admin1
//! regions and countries as population-weighted centroids.
//!
//! Data: contains data from GeoNames (www.geonames.org), CC BY 4.0, modified; Royal Mail data
//! © Royal Mail copyright and database right; U.S. Census Bureau 2023 Gazetteer Files (public
//! domain). See `data/LICENSES.md` for the full attributions and `data-src/build.py` for how the
//! tables were derived; show [`Geocoder::attribution`] in the About box.

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::sync::OnceLock;

use flate2::read::GzDecoder;

const POSTAL_GZ: &[u8] = include_bytes!("../data/postal.tsv.gz");
const CITIES_GZ: &[u8] = include_bytes!("../data/cities.tsv.gz");
const ADMIN1_GZ: &[u8] = include_bytes!("../data/admin1.tsv.gz");
const COUNTRIES_GZ: &[u8] = include_bytes!("../data/countries.tsv.gz");

const ATTRIBUTION: &str = "Location data: contains data from GeoNames (www.geonames.org), \
licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), modified \
(aggregated, filtered, converted); contains Royal Mail data © Royal Mail copyright and \
database right; U.S. Census Bureau, 2023 Gazetteer Files (public domain).";

/// How precise a [`Located`] point is: which step of the lookup found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Centroid of the postal code (for GB the outward code, for CA the first three characters).
    PostalCode,
    /// The city's point.
    City,
    /// Population-weighted centroid of the region (state, province, Land, ...).
    Region,
    /// Population-weighted centroid of the country.
    Country,
}

/// A located address.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Located {
    /// Latitude in degrees (WGS 84), north positive.
    pub lat: f64,
    /// Longitude in degrees (WGS 84), east positive.
    pub lon: f64,
    /// Which lookup step produced the point.
    pub precision: Precision,
}

impl Located {
    /// Great-circle (haversine) distance to `other` in kilometres.
    pub fn distance_km(&self, other: &Located) -> f64 {
        haversine_km(self.lat, self.lon, other.lat, other.lon)
    }
}

/// Great-circle (haversine) distance in kilometres between two points given in degrees.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The bundled data could not be read (it is corrupt); the text says where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoError(pub String);

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bundled geo data: {}", self.0)
    }
}

impl std::error::Error for GeoError {}

/// A point stored as degrees × 10⁴ (the tables have four decimals).
#[derive(Debug, Clone, Copy)]
struct Point {
    lat: i32,
    lon: i32,
}

impl Point {
    fn located(self, precision: Precision) -> Located {
        Located {
            lat: f64::from(self.lat) / 1e4,
            lon: f64::from(self.lon) / 1e4,
            precision,
        }
    }
}

/// Marks a city whose admin1 code is not in the region table.
const NO_REGION: u32 = u32::MAX;

#[derive(Debug, Clone, Copy)]
struct City {
    point: Point,
    population: u32,
    region: u32,
}

impl City {
    fn same(&self, other: &City) -> bool {
        self.point.lat == other.point.lat
            && self.point.lon == other.point.lon
            && self.population == other.population
            && self.region == other.region
    }
}

#[derive(Debug)]
struct CountryData {
    centroid: Point,
    /// Packed normalised postal code → centroid.
    postal: HashMap<u64, Point>,
    /// Folded city name → cities with that name, largest population first.
    cities: HashMap<Box<str>, Vec<City>>,
    /// Region centroids; indexes are the `u32`s used elsewhere.
    regions: Vec<Point>,
    /// Folded admin1 code, name or alias → region index.
    region_keys: HashMap<Box<str>, u32>,
}

/// The offline geocoder: the bundled tables, indexed by country.
#[derive(Debug)]
pub struct Geocoder {
    countries: HashMap<[u8; 2], CountryData>,
}

impl Geocoder {
    /// Decompresses and indexes the bundled tables (embedded with `include_bytes!`). Returns an
    /// error only if the bundled data is corrupt.
    pub fn load() -> Result<Geocoder, GeoError> {
        let mut countries: HashMap<[u8; 2], CountryData> = HashMap::with_capacity(256);

        let text = gunzip("countries.tsv.gz", COUNTRIES_GZ)?;
        for (n, line) in lines(&text) {
            let f = Fields::new("countries.tsv.gz", n, line);
            let cc = f.country(0)?;
            let centroid = f.point(1, 2)?;
            countries.insert(
                cc,
                CountryData {
                    centroid,
                    postal: HashMap::new(),
                    cities: HashMap::new(),
                    regions: Vec::new(),
                    region_keys: HashMap::new(),
                },
            );
        }

        // Regions: admin1 code → index per country, needed to link cities to regions.
        let mut region_codes: HashMap<[u8; 2], HashMap<&str, u32>> = HashMap::new();
        let text = gunzip("admin1.tsv.gz", ADMIN1_GZ)?;
        let mut key = String::new();
        for (n, line) in lines(&text) {
            let f = Fields::new("admin1.tsv.gz", n, line);
            let cc = f.country(0)?;
            let code = f.get(1)?;
            let point = f.point(2, 3)?;
            let names = f.get(4)?;
            let c = f.known(&mut countries, cc)?;
            let idx = u32::try_from(c.regions.len()).map_err(|_| f.error("too many regions"))?;
            c.regions.push(point);
            region_codes.entry(cc).or_default().insert(code, idx);
            // The code first, then the name, then aliases; an earlier key is never replaced.
            for name in std::iter::once(code).chain(names.split('|')) {
                fold_into(name, false, &mut key);
                if !key.is_empty() && !c.region_keys.contains_key(key.as_str()) {
                    c.region_keys.insert(key.as_str().into(), idx);
                }
            }
        }

        let text = gunzip("cities.tsv.gz", CITIES_GZ)?;
        for (n, line) in lines(&text) {
            let f = Fields::new("cities.tsv.gz", n, line);
            let cc = f.country(0)?;
            let admin1 = f.get(1)?;
            let point = f.point(2, 3)?;
            let population: u32 = f.get(4)?.parse().map_err(|_| f.error("bad population"))?;
            let names = f.get(5)?;
            let region = region_codes
                .get(&cc)
                .and_then(|m| m.get(admin1))
                .copied()
                .unwrap_or(NO_REGION);
            let city = City {
                point,
                population,
                region,
            };
            let c = f.known(&mut countries, cc)?;
            for name in names.split('|') {
                fold_into(name, true, &mut key);
                if key.is_empty() {
                    continue;
                }
                match c.cities.get_mut(key.as_str()) {
                    // An alias that folds to a key this city already has: the rows of one city
                    // are added together, so it would be the last entry.
                    Some(list) if list.last().is_some_and(|x| x.same(&city)) => {}
                    Some(list) => list.push(city),
                    None => {
                        c.cities.insert(key.as_str().into(), vec![city]);
                    }
                }
            }
        }
        for c in countries.values_mut() {
            for list in c.cities.values_mut() {
                list.sort_by_key(|c| std::cmp::Reverse(c.population));
            }
        }

        let text = gunzip("postal.tsv.gz", POSTAL_GZ)?;
        for (n, line) in lines(&text) {
            let f = Fields::new("postal.tsv.gz", n, line);
            let cc = f.country(0)?;
            let code = pack(f.get(1)?.bytes().filter(u8::is_ascii_alphanumeric))
                .ok_or_else(|| f.error("postal code too long or empty"))?;
            let point = f.point(2, 3)?;
            f.known(&mut countries, cc)?.postal.insert(code, point);
        }

        for c in countries.values_mut() {
            c.postal.shrink_to_fit();
            c.cities.shrink_to_fit();
            c.region_keys.shrink_to_fit();
        }
        Ok(Geocoder { countries })
    }

    /// The process-wide instance, loaded on first use; `None` if the bundled data failed to load.
    pub fn global() -> Option<&'static Geocoder> {
        static GLOBAL: OnceLock<Option<Geocoder>> = OnceLock::new();
        GLOBAL.get_or_init(|| Geocoder::load().ok()).as_ref()
    }

    /// Locates an address. `country` is an ISO 3166-1 alpha-2 code in any case (`UK` is read as
    /// `GB`). Tries, in order:
    ///
    /// 1. the postal code, normalised per country: spaces, dashes and other punctuation removed,
    ///    upper case; US: the first five digits (ZIP+4 `10001-1234` → `10001`; a 3- or 4-digit
    ///    ZIP that lost its leading zeros is padded); GB: the outward code (the part before the
    ///    space, or without a space everything but a trailing digit-letter-letter inward code);
    ///    CA: the first three characters; NL: the first four digits; DE, FR, IT, ES, AT, CH, AU:
    ///    the digits only (so `D-80331` works; a 4-digit DE/FR/IT/ES code gets its leading zero;
    ///    FR keeps the first five, so `75008 CEDEX 08` is `75008`);
    /// 2. the city name, case- and accent-insensitive (`München`, `munchen`, `Muenchen` and
    ///    `Munich` all match; `St.`/`Saint` are the same). If several cities share the name, the
    ///    one in `region` wins, else the largest. If `region` names a known region but none of
    ///    the cities is in it, the city is not trusted and the region's centroid is used instead;
    /// 3. the region: its admin1 code (`IL`, `BY`, `ON`, `NSW`, also `US-IL`), name or local
    ///    name (`Bavaria`, `Bayern`);
    /// 4. the country's centroid.
    ///
    /// Returns `None` only for a country that is not in the data.
    pub fn locate(
        &self,
        country: &str,
        postal_code: Option<&str>,
        city: Option<&str>,
        region: Option<&str>,
    ) -> Option<Located> {
        let cc = country_key(country)?;
        let c = self.countries.get(&cc)?;

        if let Some(point) = postal_code
            .and_then(|p| normalise_postal(cc, p))
            .and_then(|k| c.postal.get(&k))
        {
            return Some(point.located(Precision::PostalCode));
        }

        let mut buf = String::new();
        let region_idx = region.and_then(|r| c.find_region(cc, r, &mut buf));

        if let Some(list) = city.and_then(|name| c.find_city(name, &mut buf)) {
            let pick = match region_idx {
                Some(r) => list.iter().find(|x| x.region == r),
                None => list.first(),
            };
            if let Some(x) = pick {
                return Some(x.point.located(Precision::City));
            }
        }

        if let Some(point) = region_idx.and_then(|r| c.regions.get(r as usize)) {
            return Some(point.located(Precision::Region));
        }
        Some(c.centroid.located(Precision::Country))
    }

    /// The one-line attribution text for the About box.
    pub fn attribution() -> &'static str {
        ATTRIBUTION
    }
}

impl CountryData {
    fn find_city(&self, name: &str, buf: &mut String) -> Option<&Vec<City>> {
        fold_into(name, true, buf);
        if buf.is_empty() {
            return None;
        }
        self.cities
            .get(buf.as_str())
            .or_else(|| umlaut_retry(buf).and_then(|k| self.cities.get(k.as_str())))
    }

    fn find_region(&self, cc: [u8; 2], region: &str, buf: &mut String) -> Option<u32> {
        let r = region.trim();
        // ISO 3166-2 style "US-IL", "DE-BY".
        let r = match r.as_bytes() {
            [a, b, b'-', _, ..] if [a.to_ascii_uppercase(), b.to_ascii_uppercase()] == cc => {
                r.get(3..).unwrap_or(r)
            }
            _ => r,
        };
        fold_into(r, false, buf);
        if buf.is_empty() {
            return None;
        }
        self.region_keys
            .get(buf.as_str())
            .or_else(|| umlaut_retry(buf).and_then(|k| self.region_keys.get(k.as_str())))
            .copied()
    }
}

/// `Muenchen` → `munchen`, `Koeln` → `koln`: a second try for German-style transliterations,
/// used only when the name as given is not found.
fn umlaut_retry(folded: &str) -> Option<String> {
    if !(folded.contains("ae") || folded.contains("oe") || folded.contains("ue")) {
        return None;
    }
    Some(
        folded
            .replace("ae", "a")
            .replace("oe", "o")
            .replace("ue", "u"),
    )
}

fn country_key(country: &str) -> Option<[u8; 2]> {
    match country.trim().as_bytes() {
        [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
            match [a.to_ascii_uppercase(), b.to_ascii_uppercase()] {
                [b'U', b'K'] => Some(*b"GB"),
                k => Some(k),
            }
        }
        _ => None,
    }
}

/// Packs up to 8 ASCII bytes into a map key; `None` if empty or longer.
fn pack(bytes: impl Iterator<Item = u8>) -> Option<u64> {
    let mut key = 0u64;
    let mut len = 0;
    for b in bytes {
        if len == 8 {
            return None;
        }
        key = (key << 8) | u64::from(b.to_ascii_uppercase());
        len += 1;
    }
    (len > 0).then_some(key)
}

/// Normalises a postal code for `cc` (see [`Geocoder::locate`]) and packs it.
fn normalise_postal(cc: [u8; 2], raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let alnum = |s: &str| -> Vec<u8> {
        s.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_uppercase())
            .collect()
    };
    let digits = || -> Vec<u8> { raw.bytes().filter(u8::is_ascii_digit).collect() };
    let padded = |d: Vec<u8>, width: usize| -> Vec<u8> {
        let mut out = vec![b'0'; width.saturating_sub(d.len())];
        out.extend(d);
        out
    };
    let code: Vec<u8> = match &cc {
        b"US" => {
            let d = digits();
            match d.len() {
                0..=2 => return None,
                3 | 4 => padded(d, 5),
                _ => d.get(..5).map(<[u8]>::to_vec)?,
            }
        }
        b"DE" | b"FR" | b"IT" | b"ES" => {
            let mut d = digits();
            if d.len() == 4 {
                padded(d, 5)
            } else {
                // FR "75008 CEDEX 08": the code is the first five digits.
                if &cc == b"FR" {
                    d.truncate(5);
                }
                d
            }
        }
        b"AT" | b"CH" | b"AU" => digits(),
        b"NL" => {
            let mut d = digits();
            d.truncate(4);
            d
        }
        b"CA" => {
            let mut a = alnum(raw);
            a.truncate(3);
            a
        }
        b"GB" => match raw.split_once(char::is_whitespace) {
            Some((outward, _)) => alnum(outward),
            None => {
                let a = alnum(raw);
                match a.as_slice() {
                    [head @ .., d, x, y]
                        if head.len() >= 2
                            && d.is_ascii_digit()
                            && x.is_ascii_alphabetic()
                            && y.is_ascii_alphabetic() =>
                    {
                        head.to_vec()
                    }
                    _ => a,
                }
            }
        },
        _ => alnum(raw),
    };
    pack(code.into_iter())
}

/// Lower-cases `s`, folds common Latin accents (ä→a, ß→ss, ø→o, ...) and turns every run of
/// other non-alphanumeric characters into one space. With `abbrev`, the words `st`, `ste`,
/// `mt` and `ft` become `saint`, `sainte`, `mount` and `fort`. The result replaces `out`.
fn fold_into(s: &str, abbrev: bool, out: &mut String) {
    out.clear();
    let mut word_start = 0;
    let mut in_word = false;
    let end_word = |out: &mut String, word_start: usize| {
        if !abbrev {
            return;
        }
        let full = match out.get(word_start..) {
            Some("st") => "saint",
            Some("ste") => "sainte",
            Some("mt") => "mount",
            Some("ft") => "fort",
            _ => return,
        };
        out.truncate(word_start);
        out.push_str(full);
    };
    for upper in s.chars() {
        // ASCII (most names) needs no Unicode tables.
        let lower = if upper.is_ascii() {
            [Some(upper.to_ascii_lowercase()), None, None]
        } else {
            let mut it = upper.to_lowercase();
            [it.next(), it.next(), it.next()]
        };
        for ch in lower.into_iter().flatten() {
            let folded = if ch.is_ascii() {
                if ch.is_ascii_alphanumeric() {
                    Folded::Char(ch)
                } else {
                    Folded::Sep
                }
            } else {
                fold_char(ch)
            };
            let folded = match folded {
                Folded::Skip => continue,
                Folded::Sep => {
                    if in_word {
                        end_word(out, word_start);
                        in_word = false;
                    }
                    continue;
                }
                other => other,
            };
            if !in_word {
                if !out.is_empty() {
                    out.push(' ');
                }
                word_start = out.len();
                in_word = true;
            }
            match folded {
                Folded::Char(c) => out.push(c),
                Folded::Str(t) => out.push_str(t),
                Folded::Skip | Folded::Sep => {}
            }
        }
    }
    if in_word {
        end_word(out, word_start);
    }
}

/// What one lower-case character folds to.
enum Folded {
    /// A combining accent: dropped.
    Skip,
    /// Not a letter or digit: separates words.
    Sep,
    Char(char),
    Str(&'static str),
}

/// Folds a lower-case non-ASCII character.
fn fold_char(ch: char) -> Folded {
    let s: &str = match ch {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ạ' | 'ả' | 'ấ' | 'ầ' | 'ậ'
        | 'ắ' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' | 'ẹ' | 'ẽ' | 'ế' | 'ề' | 'ệ' => {
            "e"
        }
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' | 'ị' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ơ' | 'ǒ' | 'ọ' | 'ố' | 'ồ' | 'ộ'
        | 'ớ' | 'ờ' | 'ợ' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ư' | 'ǔ' | 'ụ' | 'ứ' | 'ừ'
        | 'ự' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' | 'ỳ' | 'ỹ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        '\u{300}'..='\u{36f}' => return Folded::Skip,
        c if c.is_alphanumeric() => return Folded::Char(c),
        _ => return Folded::Sep,
    };
    Folded::Str(s)
}

fn gunzip(name: &str, bytes: &[u8]) -> Result<String, GeoError> {
    let mut text = String::with_capacity(bytes.len() * 4);
    GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| GeoError(format!("{name}: {e}")))?;
    Ok(text)
}

/// Non-empty lines with their 1-based numbers.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 1, l))
}

/// One tab-separated line of a bundled table, with its position for error messages.
struct Fields<'a> {
    file: &'static str,
    line_no: usize,
    cols: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(file: &'static str, line_no: usize, line: &'a str) -> Self {
        Fields {
            file,
            line_no,
            cols: line.split('\t').collect(),
        }
    }

    fn error(&self, what: &str) -> GeoError {
        GeoError(format!("{} line {}: {what}", self.file, self.line_no))
    }

    fn get(&self, i: usize) -> Result<&'a str, GeoError> {
        self.cols
            .get(i)
            .copied()
            .ok_or_else(|| self.error("missing column"))
    }

    fn country(&self, i: usize) -> Result<[u8; 2], GeoError> {
        match self.get(i)?.as_bytes() {
            [a, b] if a.is_ascii_uppercase() && b.is_ascii_uppercase() => Ok([*a, *b]),
            _ => Err(self.error("bad country code")),
        }
    }

    fn point(&self, lat: usize, lon: usize) -> Result<Point, GeoError> {
        let deg = |i: usize, max: f64| -> Result<i32, GeoError> {
            let v: f64 = self
                .get(i)?
                .parse()
                .map_err(|_| self.error("bad coordinate"))?;
            if !(-max..=max).contains(&v) {
                return Err(self.error("coordinate out of range"));
            }
            // In range, so the cast cannot overflow.
            Ok((v * 1e4).round() as i32)
        };
        Ok(Point {
            lat: deg(lat, 90.0)?,
            lon: deg(lon, 180.0)?,
        })
    }

    fn known<'m>(
        &self,
        countries: &'m mut HashMap<[u8; 2], CountryData>,
        cc: [u8; 2],
    ) -> Result<&'m mut CountryData, GeoError> {
        countries
            .get_mut(&cc)
            .ok_or_else(|| self.error("country missing from countries.tsv.gz"))
    }
}

#[cfg(test)]
mod tests;
