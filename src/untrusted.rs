//! Text from strangers on its way to a terminal or a log line. Anyone who can send an invite
//! can put text into a feed: a title may hold newlines (to forge a second alert line),
//! terminal escape sequences (to rewrite the screen or the window title) or a megabyte.
//! [`one_line`] is the one place such text is made safe to print; every log line, warning and
//! stdout alert that carries feed text goes through it. JSON sinks get the text as it is
//! (JSON escapes it).

/// Text for HTML element content and quoted attribute values: `& < > " '` escaped. The
/// dashboard and the HTML digest both write feed text through it.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// How much of one value a log line or warning shows.
pub const SHOWN_CHARS: usize = 300;

/// `s` as one printable line of at most `max` characters: control characters (C0, DEL, C1),
/// and the bidirectional overrides that reorder what a terminal shows, are written as
/// `\u{…}` escapes (`\n`, `\r`, `\t` as themselves); a longer value is cut with a note of how
/// much was left out.
pub fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 32));
    for (shown, (i, c)) in s.char_indices().enumerate() {
        if shown >= max {
            out.push_str(&format!("… ({} more bytes)", s.len() - i));
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// [`one_line`] at the usual length.
pub fn shown(s: &str) -> String {
    one_line(s, SHOWN_CHARS)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_long_values_cut() {
        assert_eq!(one_line("a\nb\r\tc", 100), "a\\nb\\r\\tc");
        assert_eq!(one_line("x\u{1b}[2J\u{7}", 100), "x\\u{1b}[2J\\u{7}");
        assert_eq!(
            one_line("\u{0}\u{9b}\u{202e}é", 100),
            "\\u{0}\\u{9b}\\u{202e}é"
        );
        assert_eq!(one_line("ééééé", 2), "éé… (6 more bytes)");
        assert_eq!(one_line("plain", 5), "plain");
    }
}
