//! Where each key of a config file is written, so that every problem can name its line, and
//! so that a key serde refused can be cut out and the file read again: that is how one run
//! reports every unknown key and every value of the wrong type (issue 11, item 6), not only
//! the first that `toml` stops at.
//!
//! [`Layout::read`] walks the file once with `toml`'s span information (the same spans
//! [`toml::Spanned`] gives): each key's path (`week.hours`, `feeds[0].refresh`), the span of
//! its key and of its value. It does not check anything; [`super::validate`] does.

use std::fmt;
use std::ops::Range;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

// IMPORTANT: these are `serde_spanned`'s names for a spanned value (what `toml::Spanned`
// asks the deserializer for). Asking for them directly lets one type read a value with or
// without a span: tables that are only implied by a dotted header (`[[alerts.webhook]]`
// without `[alerts]`) have none. `layout_of_a_file_with_implied_tables` fails if they change.
const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";
const SPANNED_FIELDS: &[&str] = &[SPANNED_START, SPANNED_END, SPANNED_VALUE];
/// How `toml` hands a date-time to serde: a map with this one key.
const DATETIME_KEY: &str = "$__toml_private_datetime";

/// One key of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Entry {
    /// `week.hours`, `feeds[0].refresh`, `feeds[0]` (an array item has no key of its own).
    pub path: String,
    /// The table it is written in, as the user sees it: `[week]`, `[[feeds]]`, the top level.
    pub table: String,
    pub key: Option<Range<usize>>,
    pub value: Option<Range<usize>>,
    /// Whether the value is a table or an array (its children are entries too).
    pub nested: bool,
}

/// Every key of one config file, in the order written.
#[derive(Debug, Default)]
pub(super) struct Layout {
    pub entries: Vec<Entry>,
}

impl Layout {
    /// `None` when the text is not TOML at all (then `toml`'s own error says where).
    pub fn read(text: &str) -> Option<Layout> {
        let root: Tree = toml::from_str(text).ok()?;
        let mut layout = Layout::default();
        if let Tree::Table(entries) = root {
            layout.walk_table("", "the top level", entries);
        }
        Some(layout)
    }

    fn walk_table(&mut self, prefix: &str, table: &str, entries: Vec<(Key, Node)>) {
        for (k, v) in entries {
            let path = if prefix.is_empty() {
                k.name.clone()
            } else {
                format!("{prefix}.{}", k.name)
            };
            self.push(path, table.to_owned(), k.span, v);
        }
    }

    fn push(&mut self, path: String, table: String, key: Option<Range<usize>>, v: Node) {
        let nested = matches!(v.tree, Tree::Table(_) | Tree::Array(_));
        self.entries.push(Entry {
            path: path.clone(),
            table,
            key,
            value: v.span,
            nested,
        });
        match v.tree {
            Tree::Table(entries) => {
                let name = format!("[{path}]");
                self.walk_table(&path, &name, entries);
            }
            Tree::Array(items) => {
                let all_tables =
                    !items.is_empty() && items.iter().all(|i| matches!(i.tree, Tree::Table(_)));
                for (i, item) in items.into_iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    let nested = matches!(item.tree, Tree::Table(_) | Tree::Array(_));
                    self.entries.push(Entry {
                        path: item_path.clone(),
                        table: format!("[{path}]"),
                        key: None,
                        value: item.span.clone(),
                        nested,
                    });
                    match item.tree {
                        Tree::Table(entries) => {
                            let name = if all_tables {
                                format!("[[{path}]] ({item_path})")
                            } else {
                                format!("{{ }} in {item_path}")
                            };
                            self.walk_table(&item_path, &name, entries);
                        }
                        Tree::Array(_) | Tree::Leaf => {}
                    }
                }
            }
            Tree::Leaf => {}
        }
    }

    /// The entry written at `path`.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.path == path)
    }

    /// The innermost entry whose key or value is where `span` points.
    pub fn at(&self, span: &Range<usize>) -> Option<&Entry> {
        // The length of `r` when it holds `span` (an empty span counts as one byte).
        let holds = |r: &Option<Range<usize>>| {
            r.as_ref()
                .filter(|r| r.start <= span.start && span.end <= r.end.max(r.start + 1))
                .map(|r| r.len())
        };
        self.entries
            .iter()
            .filter_map(|e| {
                let len = match (holds(&e.key), holds(&e.value)) {
                    (Some(k), Some(v)) => k.min(v),
                    (k, v) => k.or(v)?,
                };
                // An exact key match first (an unknown key), then the tightest range.
                Some(((e.key.as_ref() != Some(span), len), e))
            })
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, e)| e)
    }

    /// The first line where `path` is written: its key, else its value.
    pub fn line(&self, text: &str, path: &str) -> Option<usize> {
        let e = self.get(path)?;
        let at = e.key.as_ref().or(e.value.as_ref())?;
        Some(line_of(text, at.start))
    }

    /// Overwrites `entry` and everything inside it with spaces (newlines kept, so every other
    /// key stays on its line), as if it had not been written. False when nothing changed.
    pub fn blank(&self, entry: &Entry, work: &mut String) -> bool {
        let mut ranges: Vec<Range<usize>> = Vec::new();
        let below = format!("{}.", entry.path);
        let items = format!("{}[", entry.path);
        for e in &self.entries {
            if e.path == entry.path || e.path.starts_with(&below) || e.path.starts_with(&items) {
                match (&e.key, &e.value) {
                    // `key = value` on one stretch of text: blank the `=` too.
                    (Some(k), Some(v)) if !e.nested && k.start <= v.start => {
                        ranges.push(k.start..v.end)
                    }
                    (k, v) => ranges.extend(k.iter().chain(v.iter()).cloned()),
                }
            }
        }
        let mut bytes = std::mem::take(work).into_bytes();
        let mut changed = false;
        for r in ranges {
            for b in bytes.get_mut(r).into_iter().flatten() {
                if *b != b'\n' && *b != b'\r' && *b != b' ' {
                    *b = b' ';
                    changed = true;
                }
            }
        }
        // Blanking whole ranges of ASCII and UTF-8 alike: every byte became a space or stayed
        // a line break, so the text is still UTF-8 where a range cut a character.
        *work = String::from_utf8(bytes).unwrap_or_default();
        changed
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(super) fn line_of(text: &str, offset: usize) -> usize {
    let head = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    memchr::memchr_iter(b'\n', head).count() + 1
}

/// The known name closest to `unknown`, if it is close enough to be what was meant: a small
/// edit distance, or one name inside the other at a word boundary (`tz_name` → `tz`).
pub(super) fn closest<'a>(unknown: &str, known: &[&'a str]) -> Option<&'a str> {
    let u = unknown.to_ascii_lowercase();
    let budget = (u.chars().count() / 3).max(1);
    let by_distance = known
        .iter()
        .map(|k| (edit_distance(&u, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= budget)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k);
    by_distance.or_else(|| {
        let word = |a: &str, b: &str| {
            a.len() > b.len() && (a.starts_with(&format!("{b}_")) || a.ends_with(&format!("_{b}")))
        };
        known
            .iter()
            .filter(|k| word(&u, k) || word(k, &u))
            .max_by_key(|k| k.len())
            .copied()
    })
}

/// Edit distance over characters: insertions, deletions, substitutions and swaps of two
/// neighbours (`paht` → `path` is one edit), each costing 1.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, slot) in d.iter_mut().enumerate().take(width) {
        *slot = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// A key as written, with its span when `toml` has one.
struct Key {
    name: String,
    span: Option<Range<usize>>,
}

/// A value with its span when `toml` has one.
struct Node {
    span: Option<Range<usize>>,
    tree: Tree,
}

enum Tree {
    Table(Vec<(Key, Node)>),
    Array(Vec<Node>),
    Leaf,
}

/// Reads a spanned map (start, end, value) or, without a span, the value itself.
fn spanned_or_plain<'de, D: Deserializer<'de>, T, V>(
    d: D,
    plain: V,
) -> Result<(Option<Range<usize>>, T), D::Error>
where
    V: Visitor<'de, Value = T>,
{
    d.deserialize_struct(SPANNED_NAME, SPANNED_FIELDS, SpannedVisitor(plain))
}

struct SpannedVisitor<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for SpannedVisitor<V> {
    type Value = (Option<Range<usize>>, V::Value);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        // A spanned value's map begins with the start field; anything else is the value's
        // own map (a table without a span, or a date-time), read by the plain visitor.
        let first: Option<String> = map.next_key()?;
        match first.as_deref() {
            Some(SPANNED_START) => {
                let start: usize = map.next_value()?;
                let _: Option<String> = map.next_key()?;
                let end: usize = map.next_value()?;
                let _: Option<String> = map.next_key()?;
                let value = map.next_value_seed(AnySeed(self.0))?;
                Ok((Some(start..end), value))
            }
            _ => Ok((None, self.0.visit_map(FirstKeyRead { first, map })?)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((None, self.0.visit_str(v)?))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok((None, self.0.visit_bool(v)?))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok((None, self.0.visit_i64(v)?))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok((None, self.0.visit_u64(v)?))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok((None, self.0.visit_f64(v)?))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Ok((None, self.0.visit_seq(seq)?))
    }
}

/// A map whose first key was already read (as a string) by [`SpannedVisitor`].
struct FirstKeyRead<A> {
    first: Option<String>,
    map: A,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for FirstKeyRead<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.first.take() {
            Some(k) => seed
                .deserialize(de::value::StringDeserializer::<A::Error>::new(k))
                .map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// Reads the value under the span with `deserialize_any` (asking for a span again would loop).
struct AnySeed<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for AnySeed<V> {
    type Value = V::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        d.deserialize_any(self.0)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        let (span, name) = spanned_or_plain(d, KeyVisitor)?;
        Ok(Key { name, span })
    }
}

struct TreeVisitor;

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Tree;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Tree, E> {
        Ok(Tree::Leaf)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Tree, E> {
        Ok(Tree::Leaf)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Tree, E> {
        Ok(Tree::Leaf)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Tree, E> {
        Ok(Tree::Leaf)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Tree, E> {
        Ok(Tree::Leaf)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Tree::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Key>()? {
            if k.name == DATETIME_KEY {
                map.next_value::<IgnoredAny>()?;
                return Ok(Tree::Leaf);
            }
            let v: Node = map.next_value()?;
            entries.push((k, v));
        }
        Ok(Tree::Table(entries))
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        let (span, tree) = spanned_or_plain(d, TreeVisitor)?;
        Ok(Node { span, tree })
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tree, D::Error> {
        d.deserialize_any(TreeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_a_file_with_implied_tables() {
        let text = "tz = \"UTC\"\nme = [\"a@b\",\n  \"c@d\"]\n[week]\nhours = 3\n\n[[alerts.webhook]]\nurl = \"http://x\"\nwhen = 1979-05-27T07:32:00Z\n[[alerts.webhook]]\nurl = \"http://y\"\n";
        let l = Layout::read(text).unwrap();
        let lines: Vec<(String, Option<usize>)> = l
            .entries
            .iter()
            .map(|e| (e.path.clone(), l.line(text, &e.path)))
            .collect();
        let want = [
            ("tz", Some(1)),
            ("me", Some(2)),
            ("me[0]", Some(2)),
            ("me[1]", Some(3)),
            ("week", Some(4)),
            ("week.hours", Some(5)),
            ("alerts", Some(7)),
            ("alerts.webhook", Some(7)),
            ("alerts.webhook[0]", Some(7)),
            ("alerts.webhook[0].url", Some(8)),
            ("alerts.webhook[0].when", Some(9)),
            ("alerts.webhook[1]", Some(10)),
            ("alerts.webhook[1].url", Some(11)),
        ];
        let want: Vec<(String, Option<usize>)> =
            want.iter().map(|(p, l)| (p.to_string(), *l)).collect();
        assert_eq!(lines, want);
        assert_eq!(
            l.get("alerts.webhook[1].url").unwrap().table,
            "[[alerts.webhook]] (alerts.webhook[1])"
        );
    }

    #[test]
    fn blanking_a_table_keeps_every_other_line() {
        let text = "tz = \"UTC\"\n[wek]\nhours = 3\npeople = [1,\n 2]\n[report]\nweeks = 2\n";
        let l = Layout::read(text).unwrap();
        let mut work = text.to_owned();
        assert!(l.blank(l.get("wek").unwrap(), &mut work));
        assert_eq!(work.lines().count(), text.lines().count());
        let back = Layout::read(&work).unwrap();
        let paths: Vec<&str> = back.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["tz", "report", "report.weeks"]);
        assert_eq!(back.line(&work, "report.weeks"), Some(7));
        assert!(
            !l.blank(l.get("wek").unwrap(), &mut work),
            "nothing left to blank"
        );
    }

    #[test]
    fn suggestions_for_misspelt_keys() {
        let known = [
            "tz",
            "me",
            "feeds",
            "week",
            "report",
            "people_target",
            "hours",
        ];
        assert_eq!(closest("tz_name", &known), Some("tz"));
        assert_eq!(closest("hourz", &known), Some("hours"));
        assert_eq!(closest("peple_target", &known), Some("people_target"));
        assert_eq!(closest("colour", &known), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("paht", "path"), 1);
        assert_eq!(closest("paht", &["path"]), Some("path"));
    }
}
