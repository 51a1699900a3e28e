//! Reading back what a mail client wrote: headers, RFC 2047 encoded words, quoted-printable
//! and base64 bodies.

use base64::Engine;

/// A message split into unfolded headers (values as written) and its body decoded to text
/// (by its Content-Transfer-Encoding; UTF-8, invalid bytes replaced; line ends as `\n`).
pub(super) fn split_message(data: &str) -> (Vec<(String, String)>, String) {
    let (head, body) = match data.find("\r\n\r\n") {
        Some(i) => (&data[..i], &data[i + 4..]),
        None => match data.find("\n\n") {
            Some(i) => (&data[..i], &data[i + 2..]),
            None => (data, ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim_start().to_owned()));
        }
    }
    let encoding = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Transfer-Encoding"))
        .map(|(_, v)| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let bytes = match encoding.as_str() {
        "quoted-printable" => decode_quoted_printable(body.as_bytes()),
        "base64" => {
            let compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        _ => body.as_bytes().to_vec(),
    };
    let text = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
    (headers, text)
}

/// Quoted-printable (RFC 2045 §6.7): `=XX` bytes and `=` soft line breaks. Anything that is
/// not a valid escape is kept as written.
pub(super) fn decode_quoted_printable(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'=' {
            let rest = input.get(i + 1..).unwrap_or_default();
            if rest.starts_with(b"\r\n") {
                i += 3;
                continue;
            }
            if rest.starts_with(b"\n") {
                i += 2;
                continue;
            }
            if let (Some(h), Some(l)) = (rest.first().and_then(hex), rest.get(1).and_then(hex)) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn hex(b: &u8) -> Option<u8> {
    char::from(*b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?UTF-8?Q?…?=`); whitespace between
/// two encoded words is dropped, as the RFC says.
pub fn decode_encoded_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut after_word = false;
    while let Some((start, end, text)) = next_word(rest) {
        let gap = &rest[..start];
        if !(after_word && gap.chars().all(char::is_whitespace)) {
            out.push_str(gap);
        }
        out.push_str(&text);
        after_word = true;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The next well-formed encoded word in `s`: its start, end and decoded text.
fn next_word(s: &str) -> Option<(usize, usize, String)> {
    let mut from = 0;
    while let Some(found) = s[from..].find("=?") {
        let start = from + found;
        if let Some((len, text)) = parse_word(&s[start..]) {
            return Some((start, start + len, text));
        }
        from = start + 2;
    }
    None
}

/// `=?charset?enc?text?=` at the start of `s`: its length and decoded text.
fn parse_word(s: &str) -> Option<(usize, String)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    if charset.is_empty() || text.contains(char::is_whitespace) {
        return None;
    }
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    let bytes = match encoding {
        "B" | "b" => base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?,
        "Q" | "q" => {
            let underscores: Vec<u8> = text
                .bytes()
                .map(|b| if b == b'_' { b' ' } else { b })
                .collect();
            decode_quoted_printable(&underscores)
        }
        _ => return None,
    };
    let charset = charset
        .split('*')
        .next()
        .unwrap_or(charset)
        .to_ascii_lowercase();
    let decoded = match charset.as_str() {
        "iso-8859-1" | "latin1" | "iso8859-1" => bytes.iter().map(|&b| char::from(b)).collect(),
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    Some((len, decoded))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn encoded_words_decode_and_join() {
        assert_eq!(decode_encoded_words("=?utf-8?b?R3LDvMOfZQ==?="), "Grüße");
        assert_eq!(
            decode_encoded_words("=?UTF-8?Q?Gr=C3=BC=C3=9Fe_Sie?="),
            "Grüße Sie"
        );
        assert_eq!(
            decode_encoded_words(
                "Ihre =?utf-8?b?QmVzdGVsbHVuZyBpc3Qg?=\r\n =?utf-8?b?YmVzdMOkdGlndA==?= !"
            ),
            "Ihre Bestellung ist bestätigt !"
        );
        assert_eq!(decode_encoded_words("=?iso-8859-1?q?M=FCller?="), "Müller");
        assert_eq!(
            decode_encoded_words("plain =? not a word ?= text"),
            "plain =? not a word ?= text"
        );
        assert_eq!(
            decode_encoded_words("=?utf-8?x?abc?= ok"),
            "=?utf-8?x?abc?= ok"
        );
    }

    #[test]
    fn quoted_printable_soft_breaks_and_escapes() {
        assert_eq!(
            decode_quoted_printable(b"Gr=C3=BC=C3=9Fe =\r\nSie=3D=\nx=4"),
            "Grüße Sie=x=4".as_bytes()
        );
    }

    #[test]
    fn split_unfolds_headers_and_decodes_the_body() {
        let data = "Subject: =?utf-8?b?w6Q=?=\r\n =?utf-8?b?w7Y=?=\r\nContent-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQ0K\r\nVGVzdA==\r\n";
        let (headers, body) = split_message(data);
        assert_eq!(
            headers[0],
            (
                "Subject".to_owned(),
                "=?utf-8?b?w6Q=?= =?utf-8?b?w7Y=?=".to_owned()
            )
        );
        assert_eq!(decode_encoded_words(&headers[0].1), "äö");
        assert_eq!(body, "Grüße\nTest");
        let (_, body) = split_message(
            "Content-Transfer-Encoding: quoted-printable\r\n\r\nZ=C3=BCrich=\r\n ok\r\n",
        );
        assert_eq!(body, "Zürich ok\n");
        let (h, body) = split_message("X: 1\r\n\r\nplain\r\ntext");
        assert_eq!((h.len(), body.as_str()), (1, "plain\ntext"));
    }
}
