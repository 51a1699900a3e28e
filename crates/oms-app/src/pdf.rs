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
    let mut out: Vec<u8> = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(tail, "{off:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(tail.as_bytes());
    out
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

    #[test]
    fn long_text_is_cut_to_fit() {
        let s = fit("A very long product title that will not fit", 10.0, 80.0);
        assert!(s.ends_with('…'));
        assert!(width(&s, 10.0) <= 80.0 + 0.01);
        assert_eq!(fit("short", 10.0, 80.0), "short");
    }
}
