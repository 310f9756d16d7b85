//! Accent folding: "Réunion", "Reunion" and "REUNIÓN" are one word to a keyword list and to
//! the fallback model.
//!
//! Titles are written by people on phones and in other languages: "Cafe" for "Café", "Entrevista
//! técnica" and "Entrevista tecnica" both happen. A Latin letter with diacritics is read as its
//! base letter (the first character of its canonical decomposition); a combining mark written
//! on its own after a letter is skipped. Letters without a decomposition that people commonly
//! type without their stroke (ø, ł, đ) are mapped by hand.

use std::borrow::Cow;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// The base letter of `c`: `é` → `e`, `Ñ` → `N`, `ø` → `o`; anything else unchanged. Case is
/// kept (callers fold case separately).
pub(crate) fn base_char(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    match c {
        'ø' => return 'o',
        'Ø' => return 'O',
        'ł' => return 'l',
        'Ł' => return 'L',
        'đ' => return 'd',
        'Đ' => return 'D',
        'ı' => return 'i',
        _ => {}
    }
    let mut first = None;
    decompose_canonical(c, |d| {
        first.get_or_insert(d);
    });
    match first {
        // Only letters are folded: a decomposed symbol or a Hangul syllable keeps its form.
        Some(b) if b.is_ascii_alphabetic() => b,
        _ => c,
    }
}

/// Whether `c` is a combining mark (written after the letter it modifies).
pub(crate) fn is_mark(c: char) -> bool {
    !c.is_ascii() && is_combining_mark(c)
}

/// `text` lower-cased with accents folded and combining marks dropped. Borrowed when there is
/// nothing to change (lowercase ASCII).
pub fn fold(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if is_mark(c) {
            continue;
        }
        out.extend(base_char(c).to_lowercase());
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_marks() {
        let table = [
            ("Réunion d'équipe", "reunion d'equipe"),
            ("ENTREVISTA TÉCNICA", "entrevista tecnica"),
            ("Mitarbeitergespräch", "mitarbeitergesprach"),
            ("Łukasz / Søren", "lukasz / soren"),
            ("cafe\u{301}", "cafe"),
            ("Straße", "straße"),
            ("1:1 🎯 focus", "1:1 🎯 focus"),
            ("plain", "plain"),
            ("", ""),
        ];
        for (input, want) in table {
            assert_eq!(fold(input), want, "{input:?}");
        }
        assert!(matches!(fold("plain words"), Cow::Borrowed(_)));
    }
}
