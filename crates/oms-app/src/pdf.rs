//! A small PDF writer for pick lists and packing slips: A4 pages of text in the PDF's built-in
//! Helvetica (WinAnsi encoding, so German umlauts and ß print), rules and boxes. No fonts to
//! embed, nothing to install; the files open in any viewer and print from there.

use std::fmt::Write as _;

pub const A4_W: f32 = 595.0;
pub const A4_H: f32 = 842.0;
pub const MARGIN: f32 = 40.0;

/// One page's drawing operations.
#[derive(Debug, Default, Clone)]
pub struct Page {
    ops: String,
}

/// Text in WinAnsiEncoding as a PDF string literal; a character it lacks prints as '?'.
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('(');
    for c in s.chars() {
        let b: u8 = match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '×' => 0xD7,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            _ => b'?',
        };
        if b < 0x80 {
            out.push(b as char);
        } else {
            let _ = write!(out, "\\{b:03o}");
        }
    }
    out.push(')');
    out
}

/// Width of text in Helvetica at `size`, roughly (for right-aligned numbers and cutting).
pub fn width(s: &str, size: f32) -> f32 {
    s.chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | ' ' => 0.28,
            'f' | 't' | 'r' | 'I' | '(' | ')' | '-' => 0.34,
            'm' | 'w' | 'M' | 'W' => 0.83,
            'A'..='Z' => 0.67,
            '0'..='9' => 0.556,
            _ => 0.52,
        })
        .sum::<f32>()
        * size
}

/// Cuts text to fit `max` points, ending in "…".
pub fn fit(s: &str, size: f32, max: f32) -> String {
    if width(s, size) <= max {
        return s.to_owned();
    }
    let mut out = String::new();
    for c in s.chars() {
        out.push(c);
        if width(&out, size) + width("…", size) > max {
            out.pop();
            break;
        }
    }
    out.push('…');
    out
}

impl Page {
    /// Text with its baseline at (x, y) from the bottom left.
    pub fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        let font = if bold { "F2" } else { "F1" };
        let _ = writeln!(
            self.ops,
            "BT /{font} {size:.1} Tf {x:.1} {y:.1} Td {} Tj ET",
            literal(s)
        );
    }
    /// Text ending at x.
    pub fn text_right(&mut self, x: f32, y: f32, size: f32, bold: bool, s: &str) {
        self.text(x - width(s, size), y, size, bold, s);
    }
    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, w: f32) {
        let _ = writeln!(self.ops, "{w:.2} w {x1:.1} {y1:.1} m {x2:.1} {y2:.1} l S");
    }
    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill_grey: Option<f32>) {
        match fill_grey {
            Some(g) => {
                let _ = writeln!(self.ops, "{g:.2} g {x:.1} {y:.1} {w:.1} {h:.1} re f 0 g");
            }
            None => {
                let _ = writeln!(self.ops, "0.6 w {x:.1} {y:.1} {w:.1} {h:.1} re S");
            }
        }
    }
}

/// Pages laid out top to bottom with a running y and a page break when full.
#[derive(Debug)]
pub struct Flow {
    pub pages: Vec<Page>,
    pub y: f32,
    /// Drawn at the top of each page after the first (a table's header).
    header: Option<fn(&mut Page, f32) -> f32>,
}

impl Default for Flow {
    fn default() -> Self {
        Self::new()
    }
}

impl Flow {
    pub fn new() -> Self {
        Self {
            pages: vec![Page::default()],
            y: A4_H - MARGIN,
            header: None,
        }
    }
    pub fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::default());
        }
        let n = self.pages.len() - 1;
        &mut self.pages[n]
    }
    /// Starts a new page.
    pub fn break_page(&mut self) {
        self.pages.push(Page::default());
        self.y = A4_H - MARGIN;
        if let Some(h) = self.header {
            let y = self.y;
            self.y = h(self.page(), y);
        }
    }
    /// Makes room for `h` points, breaking the page when needed.
    pub fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 20.0 {
            self.break_page();
        }
    }
    /// A header to repeat on the following pages (returns the y below it).
    pub fn repeat_header(&mut self, h: Option<fn(&mut Page, f32) -> f32>) {
        self.header = h;
    }
}

/// A PDF file of numbered objects (object 1 the catalog, `info` the document information):
/// the header, the objects, the cross-reference table and the trailer.
fn assemble(objects: &[Vec<u8>], info: usize) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(tail, "{off:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
}

/// The PDF file of `pages`, each numbered "n / N" at the bottom with `footer` in front.
pub fn render(pages: &[Page], title: &str, footer: &str) -> Vec<u8> {
    let n = pages.len().max(1);
    // Objects: 1 catalog, 2 pages, 3 font, 4 bold font, 5 info, then per page: page, content.
    let mut objects: Vec<String> = Vec::new();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into(),
    );
    objects.push(
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .into(),
    );
    objects.push(format!("<< /Title {} /Producer (OMS) >>", literal(title)));
    let empty = Page::default();
    for i in 0..n {
        let page = pages.get(i).unwrap_or(&empty);
        let mut ops = page.ops.clone();
        let mut foot = Page::default();
        foot.text(
            MARGIN,
            MARGIN - 16.0,
            8.0,
            false,
            &format!("{footer}  ·  {} / {n}", i + 1),
        );
        ops.push_str(&foot.ops);
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {A4_W} {A4_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            7 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{ops}endstream",
            ops.len()
        ));
    }
    let objects: Vec<Vec<u8>> = objects.into_iter().map(String::into_bytes).collect();
    assemble(&objects, 5)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn umlauts_and_parentheses_are_encoded() {
        assert_eq!(literal("Größe (M)"), "(Gr\\366\\337e \\(M\\))");
        assert_eq!(literal("5 €"), "(5 \\200)");
        assert_eq!(literal("日本"), "(??)");
    }

    #[test]
    fn a_document_has_a_valid_cross_reference_table() {
        let mut f = Flow::new();
        for i in 0..80 {
            f.need(14.0);
            let y = f.y;
            f.page().text(MARGIN, y, 10.0, false, &format!("row {i}"));
            f.y -= 14.0;
        }
        assert!(f.pages.len() >= 2);
        let pdf = render(&f.pages, "Test", "Footer");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains(&format!("/Count {}", f.pages.len())));
        // Every offset in the table points at its object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .unwrap();
        let table = &text[xref_at..];
        for (i, line) in table
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "))
            .enumerate()
        {
            let off: usize = line[..10].parse().unwrap();
            assert!(
                text[off..].starts_with(&format!("{} 0 obj", i + 1)),
                "object {} at {off}",
                i + 1
            );
        }
        assert!(text.contains("(row 79) Tj"));
        assert!(text.contains("(Footer  \\267  2 / "));
    }

    /// A tiny greyscale PNG made here: 2 × 2 pixels, filter byte 0 per row.
    fn png() -> Vec<u8> {
        use std::io::Write as _;
        let raw = [0u8, 0, 255, 0, 255, 0];
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(&raw).unwrap();
        let idat = z.finish().unwrap();
        let chunk = |kind: &[u8], body: &[u8]| {
            let mut c = (body.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(body);
            c.extend_from_slice(&[0, 0, 0, 0]); // CRC: not checked by the reader
            c
        };
        let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
        f.extend(chunk(b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 0, 0, 0, 0]));
        f.extend(chunk(b"IDAT", &idat));
        f.extend(chunk(b"IEND", &[]));
        f
    }

    #[test]
    fn png_labels_go_onto_4_by_6_pages_as_they_are() {
        let img = parse_png(&png()).unwrap();
        assert_eq!((img.width, img.height, img.colors), (2, 2, 1));
        let pdf = labels_pdf(&[img.clone(), img], "Labels");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Count 2"));
        assert!(text.contains("/MediaBox [0 0 288 432]"));
        assert!(text.contains("/Predictor 15 /Colors 1 /BitsPerComponent 8 /Columns 2"));
        assert!(parse_png(b"GIF89a").is_err());
        let mut alpha = png();
        alpha[8 + 8 + 9] = 6; // colour type RGBA
        assert!(parse_png(&alpha).unwrap_err().to_string().contains("alpha"));
    }

    #[test]
    fn long_text_is_cut_to_fit() {
        let s = fit("A very long product title that will not fit", 10.0, 80.0);
        assert!(s.ends_with('…'));
        assert!(width(&s, 10.0) <= 80.0 + 0.01);
        assert_eq!(fit("short", 10.0, 80.0), "short");
    }
}

/// A PNG ready to place in a PDF without decoding it: its compressed image data is already
/// what PDF's FlateDecode with the PNG predictors reads.
#[derive(Debug, Clone)]
pub struct PngImage {
    pub width: u32,
    pub height: u32,
    bits: u8,
    /// 1 grey, 3 RGB; for a palette image, 1 with `palette` set.
    colors: u8,
    palette: Option<Vec<u8>>,
    data: Vec<u8>,
}

/// Why a PNG label cannot go into the labels PDF as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PngRefused {
    #[error("not a PNG file")]
    NotPng,
    #[error("a PNG chunk runs past the end of the file")]
    Truncated,
    #[error("a PNG without a header")]
    NoHeader,
    #[error("an interlaced PNG (save the label without interlacing)")]
    Interlaced,
    #[error("a palette PNG without a readable palette")]
    NoPalette,
    #[error("a PNG with transparency (alpha) is not supported")]
    Alpha,
    #[error("a PNG without image data")]
    NoData,
}

/// Reads a PNG's header, palette and image data. Refuses what PDF cannot take as it is:
/// interlaced images and images with an alpha channel.
pub fn parse_png(bytes: &[u8]) -> Result<PngImage, PngRefused> {
    const SIG: &[u8] = b"\x89PNG\r\n\x1a\n";
    if !bytes.starts_with(SIG) {
        return Err(PngRefused::NotPng);
    }
    let mut at = SIG.len();
    let mut head: Option<(u32, u32, u8, u8, u8)> = None;
    let mut palette = None;
    let mut data = Vec::new();
    while at + 8 <= bytes.len() {
        let len =
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = bytes
            .get(at + 8..at + 8 + len)
            .ok_or(PngRefused::Truncated)?;
        match kind {
            b"IHDR" if body.len() >= 13 => {
                let w = u32::from_be_bytes([body[0], body[1], body[2], body[3]]);
                let h = u32::from_be_bytes([body[4], body[5], body[6], body[7]]);
                head = Some((w, h, body[8], body[9], body[12]));
            }
            b"PLTE" => palette = Some(body.to_vec()),
            b"IDAT" => data.extend_from_slice(body),
            b"IEND" => break,
            _ => {}
        }
        at += 12 + len;
    }
    let (width, height, bits, color_type, interlace) = head.ok_or(PngRefused::NoHeader)?;
    if interlace != 0 {
        return Err(PngRefused::Interlaced);
    }
    let colors = match color_type {
        0 => 1,
        2 => 3,
        3 => {
            if palette
                .as_ref()
                .is_none_or(|p| p.len() < 3 || p.len() % 3 != 0)
            {
                return Err(PngRefused::NoPalette);
            }
            1
        }
        _ => return Err(PngRefused::Alpha),
    };
    if data.is_empty() || width == 0 || height == 0 {
        return Err(PngRefused::NoData);
    }
    Ok(PngImage {
        width,
        height,
        bits,
        colors,
        palette: if color_type == 3 { palette } else { None },
        data,
    })
}

/// Labels, one per 4 × 6 inch page, each scaled to fit and centred.
pub fn labels_pdf(images: &[PngImage], title: &str) -> Vec<u8> {
    let (pw, ph) = (288.0f32, 432.0f32);
    let n = images.len().max(1);
    // 1 catalog, 2 pages, 3 info, then per label: page, content, image.
    let mut objects: Vec<Vec<u8>> = Vec::new();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 3 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(format!("<< /Title {} /Producer (OMS) >>", literal(title)).into_bytes());
    for (i, img) in images.iter().enumerate() {
        let (content, image) = (5 + 3 * i, 6 + 3 * i);
        let scale = (pw / img.width as f32).min(ph / img.height as f32);
        let (w, h) = (img.width as f32 * scale, img.height as f32 * scale);
        let (x, y) = ((pw - w) / 2.0, (ph - h) / 2.0);
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw} {ph}] /Resources << /XObject << /L{i} {image} 0 R >> >> /Contents {content} 0 R >>"
        ).into_bytes());
        let ops = format!("q {w:.2} 0 0 {h:.2} {x:.2} {y:.2} cm /L{i} Do Q\n");
        objects.push(format!("<< /Length {} >>\nstream\n{ops}endstream", ops.len()).into_bytes());
        let space = match &img.palette {
            Some(p) => {
                let hex: String = p.iter().map(|b| format!("{b:02X}")).collect();
                format!("[/Indexed /DeviceRGB {} <{hex}>]", p.len() / 3 - 1)
            }
            None if img.colors == 3 => "/DeviceRGB".into(),
            None => "/DeviceGray".into(),
        };
        let mut o = format!(
            "<< /Type /XObject /Subtype /Image /Width {} /Height {} /ColorSpace {space} /BitsPerComponent {} \
             /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors {} /BitsPerComponent {} /Columns {} >> /Length {} >>\nstream\n",
            img.width, img.height, img.bits, img.colors, img.bits, img.width, img.data.len()
        )
        .into_bytes();
        o.extend_from_slice(&img.data);
        o.extend_from_slice(b"\nendstream");
        objects.push(o);
    }
    assemble(&objects, 3)
}
