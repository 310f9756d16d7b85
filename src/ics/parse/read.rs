//! Bytes → logical lines: reading input through a window, and unfolding.
//!
//! It owns where a line begins and ends (RFC 5545 3.1: CRLF or bare LF, folds joined at the
//! byte level, stray and blank lines skipped), the BOM, and reading a file without holding
//! all of it ([`read_lines`]) or at any offset ([`ReadAt`], for the two-thread parse in
//! `split`). What a line *says* is `lex`'s business, and what it builds is `build`'s.

use super::build::Parser;

/// Size of the window [`parse_reader`] reads through. Big enough that the per-read costs
/// vanish, small enough to stay in cache and to add nothing to the peak memory of a large
/// file (a 50 MB export read whole was half of the process's peak RSS, and faulting in the
/// fresh pages of that buffer cost more than copying the bytes).
pub(super) const READ_CHUNK: usize = 256 * 1024;

/// Feeds every logical line of `reader` to `p`, reading through a [`READ_CHUNK`] window;
/// `line_no` is the number of physical lines before the reader's first byte. Returns the
/// number of physical lines after its last byte. The parser is not finished, so that another
/// part of the same input can follow (see [`parse_file`]).
pub(super) fn read_lines<R: std::io::Read>(
    p: &mut Parser,
    mut reader: R,
    mut line_no: u32,
    strip_bom: bool,
) -> std::io::Result<u32> {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut filled = 0;
    let mut at_start = strip_bom;
    loop {
        // Fill the window (a read may return less than asked).
        let mut eof = false;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let mut from = 0;
        if at_start {
            at_start = false;
            if buf[..filled].starts_with(b"\xEF\xBB\xBF") {
                from = 3;
            }
        }
        let cut = if eof {
            filled
        } else {
            match last_line_start(&buf[from..filled]) {
                Some(c) => from + c,
                None => {
                    // One logical line fills the window: make room and read on.
                    let grown = buf.len() * 2;
                    buf.resize(grown, 0);
                    if from > 0 {
                        buf.copy_within(from..filled, 0);
                        filled -= from;
                    }
                    continue;
                }
            }
        };
        let mut lines = LogicalLines::new(&buf[from..cut]);
        lines.line_no = line_no;
        while let Some((n, line)) = lines.next_unless(|first| p.ignores(first)) {
            p.line(n, line);
        }
        line_no = lines.line_no;
        if eof {
            return Ok(line_no);
        }
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
}

/// Input that can be read at any offset without a shared cursor, so that two threads can
/// read two parts of it at once: a file (`pread`) or, in tests, bytes in memory.
pub trait ReadAt: Sync {
    fn size(&self) -> std::io::Result<u64>;
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn size(&self) -> std::io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(<[u8]>::len(self));
        let n = buf.len().min(<[u8]>::len(self) - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// `[start, end)` of a [`ReadAt`] as a [`std::io::Read`].
pub(super) struct Range<'a, S: ?Sized> {
    pub(super) src: &'a S,
    pub(super) pos: u64,
    pub(super) end: u64,
}

impl<S: ReadAt + ?Sized> std::io::Read for Range<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.src.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// The offset just after the last line break in `bytes` that is followed by a byte that does
/// not continue a folded line: everything before it is complete logical lines.
pub(super) fn last_line_start(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(i) = memchr::memrchr(b'\n', &bytes[..end]) {
        match bytes.get(i + 1) {
            Some(b' ') | Some(b'\t') | None => end = i,
            Some(_) => return Some(i + 1),
        }
    }
    None
}

/// Iterates logical (unfolded) lines with the number of their first physical line.
pub(super) struct LogicalLines<'a> {
    rest: &'a [u8],
    pub(super) line_no: u32,
    /// Where folded lines are joined; reused, so a folded line costs a copy, not an allocation
    /// (a Google export folds about a third of its lines).
    joined: Vec<u8>,
}

impl<'a> LogicalLines<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        LogicalLines {
            rest: bytes,
            line_no: 0,
            joined: Vec::new(),
        }
    }

    pub(super) fn take_physical(&mut self) -> &'a [u8] {
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        self.line_no = self.line_no.saturating_add(1);
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// The next logical line, passing over a folded line without joining it when `ignored`
    /// says its first physical line is of a property the parser drops: a Google export's
    /// DESCRIPTIONs are a third of its bytes, folded every 75, and usually not kept.
    pub(super) fn next_unless(&mut self, ignored: impl Fn(&[u8]) -> bool) -> Option<(u32, &[u8])> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let first = self.take_physical();
            let first_no = self.line_no;
            // Blank lines, and continuation lines with nothing to continue, are stray: skip them.
            if first.is_empty()
                || first[0] == b' '
                || first[0] == b'\t'
                || first.iter().all(u8::is_ascii_whitespace)
            {
                continue;
            }
            if !matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                return Some((first_no, first));
            }
            if ignored(first) {
                while matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                    self.take_physical();
                }
                continue;
            }
            // Folded: join at the byte level (a fold may split a UTF-8 sequence).
            self.joined.clear();
            self.joined.extend_from_slice(first);
            while matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                let cont = self.take_physical();
                self.joined.extend_from_slice(&cont[1..]);
            }
            return Some((first_no, &self.joined));
        }
    }
}
