//! CSV read straight from the file's bytes into the cleaner, without an Arrow text table in
//! between.
//!
//! Why not DataFusion's CSV reader here: it builds a `StringArray` per column for every row
//! (12M rows x 7 columns on the benchmark log), which the cleaner then reads once and drops.
//! Measured on the 11.9M-row benchmark CSV, that scan plus the cleaning took 3.3 s of wall time
//! on 2 cores, the CSV decode and array building alone a quarter of all CPU. Here each field is
//! a byte range of the file's buffer, handed to the cleaner through [`RawRows`]; only rejected
//! rows are ever turned into Arrow text. Parquet and JSON still go through DataFusion, and so
//! does a CSV file whose lines end in a bare `\r` (classic Mac), which this reader leaves alone.
//!
//! The dialect is the one DataFusion's reader was given: a header line, the sniffed or given
//! delimiter, `"` quotes with `""` for a quote inside, `\n`, `\r\n` or `\r` ending a record,
//! blank lines skipped, an empty value (quoted or not) read as missing, a short row padded with
//! missing values; a long row, and a quote not closed within [`MAX_QUOTED_LINES`] lines, are
//! rejected rows (see [`Fault`]). Text after a closing quote belongs to
//! the value (`"ab"c` is `abc`), as the csv crate reads it.
//!
//! Parallel without losing line numbers: the file is cut into byte ranges, one per core. A
//! record belongs to the range its first byte is in; a range starts at the first line after its
//! nominal start, and is checked afterwards against where the previous range really stopped (a
//! quoted value with a newline in it can fool the guess); a wrong guess is read again from the
//! right place. Each range counts its physical lines, so a row's line is its line in the file,
//! blank lines and newlines inside quoted values included.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::compute::concat;

use crate::clean::{Cleaner, PartitionState, RawRows, Typed, duplicate_rejects, partition_reject_schema};
use crate::error::{DataError, Result};
use crate::ingest::Progress;
use crate::source::SourceFile;
#[cfg(any(test, not(target_arch = "x86_64")))]
use crate::swar::{bytes_equal, splat};

/// Bytes read from the file at a time per range: small enough that a buffer stays in the core's
/// cache between reading, validating, splitting and cleaning it.
const BLOCK_BYTES: usize = 256 << 10;
/// Rows handed to the cleaner at a time (one kept batch each).
const BLOCK_ROWS: usize = 8192;
/// Smallest range worth its own core.
const MIN_RANGE_BYTES: u64 = 8 << 20;
/// Most line breaks a quoted value may hold: a quote not closed within this many lines (or
/// before the end of the file) is a stray one, not the start of a long value. One stray quote
/// had made six rows out of a 2,089-line file; now its row is rejected as `unclosed_quote` and
/// reading goes on at the next line.
pub const MAX_QUOTED_LINES: usize = 100;

/// What is wrong with a CSV record's shape, found while splitting it (the cleaner rejects it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// More values than the header has columns (how many).
    ExtraFields(usize),
    /// A quote that is not closed within [`MAX_QUOTED_LINES`] lines: the record was read as one
    /// line with its quotes as plain characters.
    UnclosedQuote,
    /// Bytes that are not valid UTF-8 (shown as U+001A in the reject's values).
    InvalidText,
}

/// Replaces each byte of `buf` that is not part of valid UTF-8 by the placeholder U+001A
/// (one byte, so offsets are unchanged), recording its file offset (`abs` is `buf[0]`'s) in
/// `bad`; returns the length of the valid text (short of a character cut by the end of the
/// buffer unless `eof`).
pub(crate) fn mark_invalid(buf: &mut [u8], abs: u64, eof: bool, bad: &mut Vec<u64>) -> usize {
    let mut at = 0;
    loop {
        match std::str::from_utf8(&buf[at..]) {
            Ok(_) => return buf.len(),
            Err(e) => {
                let start = at + e.valid_up_to();
                let n = match e.error_len() {
                    Some(n) => n,
                    None if !eof => return start,
                    None => buf.len() - start,
                };
                buf[start..start + n].fill(0x1A);
                bad.extend((start..start + n).map(|k| abs + k as u64));
                at = start + n;
            }
        }
    }
}
/// A span's start with this bit set points into the scratch text (unescaped quoted values).
const SCRATCH: u32 = 1 << 31;

/// Where a file's records were read from: the ranges as they were finally read, so duplicate
/// rows can be found again at the same (range, local line). The header is the file's first line.
#[derive(Debug, Clone)]
pub(crate) struct CsvPlan {
    /// First byte of each range.
    starts: Vec<u64>,
    /// Where each range stopped: the next range's first byte.
    stops: Vec<u64>,
}

/// A chunk's bytes of interest to [`Dialect::plain_line`]: byte `k` is bit `k * STRIDE` of
/// each mask (1 for [`chunk_masks`], 8 for [`word_masks`]).
struct ChunkMasks {
    /// The delimiter.
    delimiters: u64,
    /// `\n`.
    line_feeds: u64,
    /// `"` and `\r`.
    specials: u64,
}

/// The [`ChunkMasks`] of a 16-byte chunk, a bit per byte: one load, four byte-wise compares,
/// four mask extractions (SSE2).
#[cfg(target_arch = "x86_64")]
#[inline]
fn chunk_masks(chunk: &[u8; 16], delimiter: u8) -> ChunkMasks {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
    // SAFETY: SSE2 is part of the x86-64 baseline (Rust's x86_64 targets enable it; every x86-64
    // CPU has it), so its intrinsics can run; the load reads exactly the 16 bytes `chunk`
    // borrows, and `_mm_loadu_si128` needs no alignment.
    #[allow(unsafe_code)]
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
        let eq = |c: u8| u64::from(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))).cast_unsigned());
        ChunkMasks { delimiters: eq(delimiter), line_feeds: eq(b'\n'), specials: eq(b'"') | eq(b'\r') }
    }
}

/// The [`ChunkMasks`] of an 8-byte word, eight bits per byte, by bit tricks on the whole word
/// (SWAR): [`bytes_equal`] marks a byte's high bit, moved down to its low bit.
#[cfg(any(test, not(target_arch = "x86_64")))]
#[inline]
fn word_masks(word: &[u8; 8], delimiter: u8) -> ChunkMasks {
    let w = u64::from_le_bytes(*word);
    let eq = |c: u8| bytes_equal(w, splat(c)) >> 7;
    ChunkMasks { delimiters: eq(delimiter), line_feeds: eq(b'\n'), specials: eq(b'"') | eq(b'\r') }
}

/// The dialect of one file.
#[derive(Debug, Clone)]
struct Dialect {
    delimiter: u8,
    n_cols: usize,
    /// Bytes that end an unquoted value: the delimiter, `\r`, `\n`.
    stop: [bool; 256],
}

impl Dialect {
    fn new(delimiter: u8, n_cols: usize) -> Dialect {
        let mut stop = [false; 256];
        for b in [delimiter, b'\r', b'\n'] {
            stop[b as usize] = true;
        }
        Dialect { delimiter, n_cols, stop }
    }

    fn field_end(&self, b: &[u8], mut i: usize) -> usize {
        while i < b.len() && !self.stop[b[i] as usize] {
            i += 1;
        }
        i
    }

    /// Parses the record at `text[start..]` into `spans` (exactly `n_cols` of them) and
    /// `scratch`. `Incomplete` when the record may go on past the end of `text` and `eof` is
    /// false; the caller then drops what was pushed.
    fn record(&self, text: &str, start: usize, eof: bool, spans: &mut Vec<Span>, scratch: &mut String) -> Parsed {
        #[cfg(target_arch = "x86_64")]
        let plain = self.plain_line_by_chunks(text.as_bytes(), start, spans);
        #[cfg(not(target_arch = "x86_64"))]
        let plain = self.plain_line_by_words(text.as_bytes(), start, spans);
        if let Some(parsed) = plain {
            return parsed;
        }
        let (sl, sc) = (spans.len(), scratch.len());
        match self.record_bytewise(text, start, eof, spans, scratch, false) {
            Parsed::StrayQuote => {
                spans.truncate(sl);
                scratch.truncate(sc);
                match self.record_bytewise(text, start, eof, spans, scratch, true) {
                    Parsed::Record { end, raw_end, newlines, fields, .. } => {
                        Parsed::Record { end, raw_end, newlines, fields, stray_quote: true }
                    }
                    other => other,
                }
            }
            parsed => parsed,
        }
    }

    /// [`Dialect::plain_line`] sixteen bytes at a time with SSE2 compares ([`chunk_masks`]), on
    /// x86-64: four tests of six operations per 8-byte word in SWAR had been the largest cost of
    /// reading a CSV file (13% of the bench job's instructions).
    #[cfg(target_arch = "x86_64")]
    fn plain_line_by_chunks(&self, b: &[u8], start: usize, spans: &mut Vec<Span>) -> Option<Parsed> {
        self.plain_line::<16, 1>(b, start, spans, chunk_masks)
    }

    /// [`Dialect::plain_line`] eight bytes at a time in SWAR ([`word_masks`]), on other targets.
    #[cfg(any(test, not(target_arch = "x86_64")))]
    fn plain_line_by_words(&self, b: &[u8], start: usize, spans: &mut Vec<Span>) -> Option<Parsed> {
        self.plain_line::<8, 8>(b, start, spans, word_masks)
    }

    /// [`Dialect::record`] for the usual line (no quote, no carriage return but one right
    /// before its `\n`), `W` bytes at a time: `masks` finds each chunk's delimiters, quotes,
    /// carriage returns and line feeds at once (byte `k` at bit `k * STRIDE`) instead of one
    /// branch per byte. `None`, with nothing pushed, for any other line and near the end of `b`;
    /// the byte-wise reader then takes it.
    #[inline]
    fn plain_line<const W: usize, const STRIDE: u32>(
        &self,
        b: &[u8],
        start: usize,
        spans: &mut Vec<Span>,
        masks: impl Fn(&[u8; W], u8) -> ChunkMasks,
    ) -> Option<Parsed> {
        let bit = |k: usize| 1u64 << (k as u32 * STRIDE);
        let pushed = spans.len();
        let mut fields = 0usize;
        let mut from = start;
        let mut at = start;
        while let Some(chunk) = b.get(at..at + W).and_then(|c| <&[u8; W]>::try_from(c).ok()) {
            let m = masks(chunk, self.delimiter);
            // the bytes of this chunk that belong to the line
            let (len, within) = match m.line_feeds {
                0 => (W, u64::MAX),
                lf => {
                    let len = (lf.trailing_zeros() / STRIDE) as usize;
                    (len, bit(len) - 1)
                }
            };
            let special = m.specials & within;
            // a carriage return is allowed only as the byte before the line feed, which may be
            // the next chunk's first byte
            let cr_before_lf = if len < W {
                len > 0 && special == bit(len - 1) && chunk[len - 1] == b'\r'
            } else {
                special == bit(W - 1) && chunk[W - 1] == b'\r' && b.get(at + W) == Some(&b'\n')
            };
            if special != 0 && !cr_before_lf {
                spans.truncate(pushed);
                return None;
            }
            let mut delimiters = m.delimiters & within;
            while delimiters != 0 {
                let k = at + (delimiters.trailing_zeros() / STRIDE) as usize;
                fields += 1;
                if fields <= self.n_cols {
                    spans.push(Span { start: from as u32, end: k as u32 });
                }
                from = k + 1;
                delimiters &= delimiters - 1;
            }
            if len < W || cr_before_lf {
                let nl = if len < W { at + len } else { at + W };
                let line_end = if cr_before_lf { nl - 1 } else { nl };
                fields += 1;
                if fields <= self.n_cols {
                    spans.push(Span { start: from as u32, end: line_end as u32 });
                }
                for _ in fields..self.n_cols {
                    spans.push(Span::EMPTY);
                }
                return Some(Parsed::Record {
                    end: nl + 1,
                    raw_end: line_end,
                    newlines: 1,
                    fields,
                    stray_quote: false,
                });
            }
            at += W;
        }
        spans.truncate(pushed);
        None
    }

    /// [`Dialect::record`] byte by byte: any line, quoted values and line breaks in them
    /// included (the lines [`Dialect::plain_line_by_words`] declines, and the few it cannot
    /// read at a buffer's end). `StrayQuote` when a quote is not closed within
    /// [`MAX_QUOTED_LINES`] lines or before the end of the file; with `literal_quotes` quotes are
    /// plain characters (how such a record is then read).
    fn record_bytewise(
        &self,
        text: &str,
        start: usize,
        eof: bool,
        spans: &mut Vec<Span>,
        scratch: &mut String,
        literal_quotes: bool,
    ) -> Parsed {
        let too_long = |from: usize, to: usize| {
            text.as_bytes()[from..to].iter().filter(|&&c| c == b'\n').take(MAX_QUOTED_LINES + 1).count()
                > MAX_QUOTED_LINES
        };
        let b = text.as_bytes();
        let len = b.len();
        let mut i = start;
        let mut fields = 0usize;
        let mut newlines = 0u64;
        let mut raw_end;
        loop {
            let span = if !literal_quotes && i < len && b[i] == b'"' {
                let open = i + 1;
                let mut j = open;
                let mut escaped = false;
                let close = loop {
                    match b[j..].iter().position(|&c| c == b'"') {
                        None if eof || too_long(open, len) => return Parsed::StrayQuote,
                        None => return Parsed::Incomplete,
                        Some(k) => {
                            let q = j + k;
                            if too_long(open, q) {
                                return Parsed::StrayQuote;
                            }
                            if q + 1 < len && b[q + 1] == b'"' {
                                escaped = true;
                                j = q + 2;
                            } else if q + 1 == len && !eof {
                                return Parsed::Incomplete;
                            } else {
                                break Some(q);
                            }
                        }
                    }
                };
                let content_end = close.unwrap_or(len);
                newlines += b[open..content_end].iter().filter(|&&c| c == b'\n').count() as u64;
                i = close.map_or(len, |q| q + 1);
                let tail_end = self.field_end(b, i);
                if !escaped && tail_end == i {
                    Span { start: open as u32, end: content_end as u32 }
                } else {
                    let s0 = scratch.len();
                    let content = text.get(open..content_end).unwrap_or("");
                    scratch.push_str(&content.replace("\"\"", "\""));
                    scratch.push_str(text.get(i..tail_end).unwrap_or(""));
                    i = tail_end;
                    Span { start: SCRATCH | s0 as u32, end: scratch.len() as u32 }
                }
            } else {
                let e = self.field_end(b, i);
                let span = Span { start: i as u32, end: e as u32 };
                i = e;
                span
            };
            fields += 1;
            if fields <= self.n_cols {
                spans.push(span);
            }
            if i == len {
                if eof {
                    raw_end = len;
                    break;
                }
                return Parsed::Incomplete;
            }
            let c = b[i];
            raw_end = i;
            i += 1;
            if c == self.delimiter {
                continue;
            }
            if c == b'\n' {
                newlines += 1;
            } else if i < len {
                // `\r`, maybe followed by `\n`
                if b[i] == b'\n' {
                    i += 1;
                    newlines += 1;
                }
            } else if !eof {
                return Parsed::Incomplete;
            }
            break;
        }
        for _ in fields..self.n_cols {
            spans.push(Span::EMPTY);
        }
        Parsed::Record { end: i, raw_end, newlines, fields, stray_quote: false }
    }
}

#[derive(Debug)]
enum Parsed {
    Record {
        end: usize,
        raw_end: usize,
        newlines: u64,
        fields: usize,
        stray_quote: bool,
    },
    Incomplete,
    /// A quote not closed within [`MAX_QUOTED_LINES`] lines or before the end of the file.
    StrayQuote,
}

/// A value's byte range in the buffer, or (with [`SCRATCH`]) in the scratch text.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    const EMPTY: Span = Span { start: 0, end: 0 };
}

/// Parsed records of one buffer, as the cleaner reads them.
struct Block<'a> {
    text: &'a str,
    scratch: &'a str,
    spans: &'a [Span],
    /// Local line of each record (1 = the range's first line).
    locals: &'a [u64],
    /// Each record's text, without its line end.
    raws: &'a [Span],
    /// The records whose shape is wrong (by index in the block, ascending).
    faults: &'a [(usize, Fault)],
    n_cols: usize,
}

impl RawRows for Block<'_> {
    fn len(&self) -> usize {
        self.locals.len()
    }

    fn text(&self, col: usize, row: usize) -> Option<&str> {
        let s = self.spans[row * self.n_cols + col];
        let start = (s.start & !SCRATCH) as usize;
        let end = s.end as usize;
        if start == end {
            return None;
        }
        if s.start & SCRATCH != 0 { self.scratch.get(start..end) } else { self.text.get(start..end) }
    }

    fn local(&self, row: usize) -> u64 {
        self.locals[row]
    }

    fn row_hash(&self, row: usize, _buf: &mut Vec<u8>) -> u128 {
        // the record's own text: identical rows are identical lines (line ends aside)
        let r = self.raws[row];
        xxhash_rust::xxh3::xxh3_128(self.text.as_bytes().get(r.start as usize..r.end as usize).unwrap_or_default())
    }

    fn reject_columns(&self, mask: &[bool]) -> Result<Vec<ArrayRef>> {
        let rows: Vec<usize> = mask.iter().enumerate().filter(|(_, m)| **m).map(|(r, _)| r).collect();
        Ok((0..self.n_cols)
            .map(|col| Arc::new(rows.iter().map(|&r| self.text(col, r)).collect::<StringArray>()) as ArrayRef)
            .collect())
    }

    fn typed(&self) -> Typed<'_> {
        Typed::text()
    }

    fn faults(&self) -> &[(usize, Fault)] {
        self.faults
    }
}

/// The records parsed from a buffer and not yet handed to the cleaner.
struct Pending {
    spans: Vec<Span>,
    locals: Vec<u64>,
    raws: Vec<Span>,
    faults: Vec<(usize, Fault)>,
    scratch: String,
}

impl Pending {
    fn new(n_cols: usize) -> Pending {
        Pending {
            spans: Vec::with_capacity(BLOCK_ROWS * n_cols),
            locals: Vec::with_capacity(BLOCK_ROWS),
            raws: Vec::with_capacity(BLOCK_ROWS),
            faults: Vec::new(),
            scratch: String::new(),
        }
    }

    /// Hands the records to `on_block` as one block of `text` and forgets them; returns
    /// whether `on_block` wants more.
    fn flush(
        &mut self,
        text: &str,
        n_cols: usize,
        on_block: &mut dyn FnMut(&Block<'_>) -> Result<bool>,
    ) -> Result<bool> {
        let block = Block {
            text,
            scratch: &self.scratch,
            spans: &self.spans,
            locals: &self.locals,
            raws: &self.raws,
            faults: &self.faults,
            n_cols,
        };
        let go_on = on_block(&block)?;
        self.spans.clear();
        self.locals.clear();
        self.raws.clear();
        self.faults.clear();
        self.scratch.clear();
        Ok(go_on)
    }
}

/// How a range's scan ended.
#[derive(Debug, Clone, Copy)]
struct ScanEnd {
    /// The first byte not read: the next range's start.
    stop: u64,
    /// Newlines in `[start, stop)`.
    lines: u64,
}

/// One file being read.
struct Scanner<'s> {
    src: &'s SourceFile,
    dialect: Dialect,
    len: u64,
}

impl Scanner<'_> {
    /// Reads the records whose first byte is in `[start, limit)`, calling `on_block` with every
    /// [`BLOCK_ROWS`] of them (and the rest); `on_block` returns false to stop early.
    fn scan(&self, start: u64, limit: u64, on_block: &mut dyn FnMut(&Block<'_>) -> Result<bool>) -> Result<ScanEnd> {
        let path = &self.src.path;
        let mut file = File::open(&self.src.read_path).map_err(DataError::io("open", path))?;
        file.seek(SeekFrom::Start(start)).map_err(DataError::io("read", path))?;
        let mut buf: Vec<u8> = Vec::with_capacity(BLOCK_BYTES);
        let mut abs = start; // file offset of buf[0]
        let mut file_pos = start;
        let mut want = BLOCK_BYTES;
        let mut lines = 0u64;
        let n_cols = self.dialect.n_cols;
        let mut p = Pending::new(n_cols);
        // file offsets of bytes that are not UTF-8, ascending
        let mut bad: Vec<u64> = Vec::new();
        loop {
            while buf.len() < want && file_pos < self.len {
                let got = (&mut file)
                    .take((want - buf.len()) as u64)
                    .read_to_end(&mut buf)
                    .map_err(DataError::io("read", path))?;
                if got == 0 {
                    break;
                }
                file_pos += got as u64;
            }
            let eof = file_pos >= self.len;
            let text = match std::str::from_utf8(&buf) {
                Ok(t) => t,
                Err(_) => {
                    // bytes that are not UTF-8 become a placeholder of one byte (offsets stay
                    // the file's) and their rows are rejected; a multi-byte character cut by
                    // the end of the buffer is read with the next one
                    let valid = mark_invalid(&mut buf, abs, eof, &mut bad);
                    std::str::from_utf8(&buf[..valid]).map_err(|e| self.bad_utf8(abs + e.valid_up_to() as u64))?
                }
            };
            let all = eof && text.len() == buf.len();
            let b = text.as_bytes();
            let mut i = 0;
            let mut done = false;
            let mut stopped = false;
            loop {
                if abs + i as u64 >= limit {
                    done = true;
                    break;
                }
                if i == b.len() {
                    done = all;
                    break;
                }
                // blank lines are not records
                match b[i] {
                    b'\n' => {
                        lines += 1;
                        i += 1;
                        continue;
                    }
                    b'\r' if i + 1 < b.len() || all => {
                        i += 1;
                        if b.get(i) == Some(&b'\n') {
                            lines += 1;
                            i += 1;
                        }
                        continue;
                    }
                    b'\r' => break,
                    _ => {}
                }
                let (sl, sc) = (p.spans.len(), p.scratch.len());
                match self.dialect.record(text, i, all, &mut p.spans, &mut p.scratch) {
                    Parsed::Incomplete | Parsed::StrayQuote => {
                        p.spans.truncate(sl);
                        p.scratch.truncate(sc);
                        break;
                    }
                    Parsed::Record { end, raw_end, newlines, stray_quote: false, .. }
                        if raw_end - i <= 3 * n_cols && p.spans[sl..].iter().all(|s| s.start == s.end) =>
                    {
                        // a line of empty values (`,,,`: the rows below a spreadsheet's data)
                        // is a blank line, not a row
                        p.spans.truncate(sl);
                        p.scratch.truncate(sc);
                        lines += newlines;
                        i = end;
                    }
                    Parsed::Record { end, raw_end, newlines, fields, stray_quote } => {
                        let (from, to) = (abs + i as u64, abs + end as u64);
                        if !bad.is_empty() && bad.partition_point(|&o| o < from) < bad.partition_point(|&o| o < to) {
                            p.faults.push((p.locals.len(), Fault::InvalidText));
                        } else if stray_quote {
                            p.faults.push((p.locals.len(), Fault::UnclosedQuote));
                        } else if fields > n_cols {
                            p.faults.push((p.locals.len(), Fault::ExtraFields(fields)));
                        }
                        p.locals.push(lines + 1);
                        p.raws.push(Span { start: i as u32, end: raw_end as u32 });
                        lines += newlines;
                        i = end;
                        if p.locals.len() == BLOCK_ROWS && !p.flush(text, n_cols, on_block)? {
                            stopped = true;
                            break;
                        }
                    }
                }
            }
            if !p.locals.is_empty() {
                stopped |= !p.flush(text, n_cols, on_block)?;
            }
            if done || stopped {
                return Ok(ScanEnd { stop: abs + i as u64, lines });
            }
            if i == 0 {
                // one record longer than the buffer: read more of it
                want = buf.len() * 2;
                if want >= SCRATCH as usize {
                    return Err(DataError::Unreadable {
                        path: path.clone(),
                        message: format!("a record at byte {abs} is longer than 1 GiB"),
                    });
                }
            } else {
                buf.drain(..i);
                abs += i as u64;
                want = BLOCK_BYTES.max(buf.len() * 2);
            }
        }
    }

    fn bad_utf8(&self, offset: u64) -> DataError {
        DataError::Encoding { path: self.src.path.clone(), encoding: "UTF-8", offset: offset as usize }
    }

    /// The first line start at or after `at` (`len` if none).
    fn line_start(&self, at: u64) -> Result<u64> {
        if at == 0 {
            return Ok(0);
        }
        let path = &self.src.path;
        let mut file = File::open(&self.src.read_path).map_err(DataError::io("open", path))?;
        file.seek(SeekFrom::Start(at - 1)).map_err(DataError::io("read", path))?;
        let mut buf = vec![0u8; 1 << 16];
        let mut pos = at - 1;
        loop {
            let got = file.read(&mut buf).map_err(DataError::io("read", path))?;
            if got == 0 {
                return Ok(self.len);
            }
            if let Some(k) = buf[..got].iter().position(|&c| c == b'\n') {
                return Ok(pos + k as u64 + 1);
            }
            pos += got as u64;
        }
    }
}

/// The scanner for `src`, or `None` when this reader does not take the file (lines ending in a
/// bare `\r`: DataFusion's reader reads those).
fn scanner(src: &SourceFile) -> Result<Option<(Scanner<'_>, u64)>> {
    let path = &src.path;
    let len = std::fs::metadata(&src.read_path).map_err(DataError::io("read", path))?.len();
    let scanner = Scanner { src, dialect: Dialect::new(src.delimiter, src.columns.len()), len };
    let mut head = Vec::with_capacity(1 << 16);
    File::open(&src.read_path)
        .map_err(DataError::io("open", path))?
        .take(1 << 16)
        .read_to_end(&mut head)
        .map_err(DataError::io("read", path))?;
    let line_end = head.iter().position(|&c| c == b'\n');
    let bare_cr = |h: &[u8]| h.iter().enumerate().any(|(k, &c)| c == b'\r' && h.get(k + 1) != Some(&b'\n'));
    match line_end {
        Some(e) if !bare_cr(&head[..=e]) => Ok(Some((scanner, e as u64 + 1))),
        // the header is the whole file: no rows
        None if head.len() as u64 == len && !bare_cr(&head) => Ok(Some((scanner, len))),
        _ => Ok(None),
    }
}

/// Whether this reader takes `src` (see [`scanner`]).
pub(crate) fn supports(src: &SourceFile) -> Result<bool> {
    Ok(scanner(src)?.is_some())
}

/// Up to `n` values of each column of `cols`, from the first rows (for format detection).
pub(crate) fn sample(src: &SourceFile, cols: &[usize], n: usize) -> Result<Vec<Vec<String>>> {
    let mut out = vec![Vec::new(); cols.len()];
    let Some((scanner, header_end)) = scanner(src)? else { return Ok(out) };
    let mut rows = 0;
    scanner.scan(header_end, scanner.len, &mut |block| {
        for row in 0..block.len() {
            if rows == n {
                return Ok(false);
            }
            rows += 1;
            for (k, &col) in cols.iter().enumerate() {
                if let Some(v) = block.text(col, row).filter(|v| !v.trim().is_empty()) {
                    out[k].push(v.to_string());
                }
            }
        }
        Ok(rows < n)
    })?;
    Ok(out)
}

/// Cleans every row of `src` with `cleaner`, over up to `parts` ranges in parallel.
///
/// # Errors
/// Unreadable bytes, invalid UTF-8 (naming the offset), a row with more fields than the header
/// (naming its line).
pub(crate) fn clean(
    src: &SourceFile,
    cleaner: &Cleaner,
    parts: usize,
    progress: Option<Progress>,
) -> Result<(Vec<PartitionState>, CsvPlan)> {
    clean_in_ranges(src, cleaner, parts, RANGES_PER_THREAD, MIN_RANGE_BYTES, progress)
}

fn clean_in_ranges(
    src: &SourceFile,
    cleaner: &Cleaner,
    threads: usize,
    ranges_per_thread: u64,
    min_range: u64,
    progress: Option<Progress>,
) -> Result<(Vec<PartitionState>, CsvPlan)> {
    let Some((scanner, header_end)) = scanner(src)? else {
        return Err(DataError::Unreadable { path: src.path.clone(), message: "not readable as CSV here".into() });
    };
    let data = scanner.len - header_end;
    let threads = threads.max(1);
    let parts = (threads as u64 * ranges_per_thread.max(1)).min(data / min_range.max(1)).clamp(1, 255);
    let bounds: Vec<u64> = (0..=parts).map(|k| header_end + data * k / parts).collect();
    let mut starts = vec![header_end];
    for &b in &bounds[1..parts as usize] {
        starts.push(scanner.line_start(b)?);
    }
    let limits: Vec<u64> = bounds[1..].to_vec();
    let run = |start: u64, limit: u64, state: &mut PartitionState| -> Result<ScanEnd> {
        if start >= limit {
            return Ok(ScanEnd { stop: start, lines: 0 });
        }
        let end = scanner.scan(start, limit, &mut |block| {
            cleaner.process_rows(block, state)?;
            if let Some(p) = &progress {
                p.fetch_add(block.len() as u64, Ordering::Relaxed);
            }
            Ok(true)
        })?;
        state.lines = end.lines;
        Ok(end)
    };
    // each reader takes the next range not yet taken until none is left, and keeps its
    // dictionaries from one range to the next
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let read = || -> Result<Vec<(usize, PartitionState, ScanEnd)>> {
        let mut done: Vec<(usize, PartitionState, ScanEnd)> = Vec::new();
        while !failed.load(Ordering::Relaxed) {
            let p = next.fetch_add(1, Ordering::Relaxed);
            if p >= starts.len() {
                break;
            }
            let mut state = PartitionState::default();
            if let Some((_, previous, _)) = done.last_mut() {
                state.dicts = std::mem::take(&mut previous.dicts);
            }
            match run(starts[p], limits[p], &mut state) {
                Ok(end) => done.push((p, state, end)),
                Err(e) => {
                    failed.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        // the dictionaries ended with the last range read
        if let Some(&(last, ..)) = done.last() {
            for (p, state, _) in &mut done {
                if *p != last {
                    state.codes_in = Some(last);
                }
            }
        }
        Ok(done)
    };
    let readers: Vec<Result<Vec<(usize, PartitionState, ScanEnd)>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.min(parts as usize)).map(|_| scope.spawn(read)).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err(DataError::Stopped("a CSV reading thread failed".into()))))
            .collect()
    });
    let mut by_range: Vec<Option<(PartitionState, ScanEnd)>> = (0..parts).map(|_| None).collect();
    for reader in readers {
        for (p, state, end) in reader? {
            by_range[p] = Some((state, end));
        }
    }
    let mut states = Vec::with_capacity(by_range.len());
    let mut ends = Vec::with_capacity(by_range.len());
    for r in by_range {
        let (state, end) = r.ok_or_else(|| DataError::Stopped("a CSV range was not read".into()))?;
        states.push(state);
        ends.push(end);
    }
    let mut stops: Vec<u64> = Vec::with_capacity(states.len());
    for p in 0..states.len() {
        let expected = stops.last().copied().unwrap_or(header_end);
        if starts[p] != expected {
            // the guess started inside a quoted value: read this range again from where the
            // previous one really stopped, into the same dictionaries (codes only grow, so the
            // codes of the reader's other ranges stay valid; the names of the rows read wrongly
            // stay too, marked to be left out)
            tracing::debug!(range = p, guessed = starts[p], actual = expected, "CSV range read again");
            starts[p] = expected;
            let owner = states[p].codes_in.unwrap_or(p);
            let dicts = std::mem::take(&mut states[owner].dicts);
            let mut again = PartitionState { codes_in: states[p].codes_in, dicts, ..PartitionState::default() };
            ends[p] = run(expected, limits[p], &mut again)?;
            let dicts = std::mem::take(&mut again.dicts);
            states[p] = again;
            states[owner].dicts = dicts;
            states[owner].stray_names = true;
        }
        stops.push(ends[p].stop);
    }
    Ok((states, CsvPlan { starts, stops }))
}

/// Ranges per reading thread: a thread that finishes its range early takes the next one, so a
/// core slowed by other work (the input's fingerprint, a busy neighbour on a shared machine)
/// does not hold the stage up. With one range per thread, the ingest of the 11.9M-row bench
/// used 1.7-1.9 of its 2 cores: one reader often ran alone for the last 0.2-0.5 s.
const RANGES_PER_THREAD: u64 = 8;

/// The rows at the wanted local lines of each range (`by_part`) of a file read by [`clean`], per
/// range, in the shape of a range's reject batch with reason `duplicate_row`.
pub(crate) fn collect_rows(
    src: &SourceFile,
    plan: &CsvPlan,
    by_part: &HashMap<usize, HashSet<u64>>,
) -> Result<HashMap<usize, RecordBatch>> {
    let Some((scanner, _)) = scanner(src)? else { return Ok(HashMap::new()) };
    let schema = partition_reject_schema(&src.columns);
    let mut out = HashMap::new();
    for (&p, locals) in by_part {
        // per block, the wanted rows' values as a reject batch's raw columns
        let mut parts: Vec<Vec<ArrayRef>> = Vec::new();
        let mut chosen: Vec<u64> = Vec::new();
        scanner.scan(plan.starts[p], plan.stops[p], &mut |block| {
            let mask: Vec<bool> = block.locals.iter().map(|l| locals.contains(l)).collect();
            if mask.contains(&true) {
                chosen.extend(block.locals.iter().zip(&mask).filter(|(_, m)| **m).map(|(l, _)| *l));
                parts.push(block.reject_columns(&mask)?);
            }
            Ok(true)
        })?;
        if chosen.is_empty() {
            continue;
        }
        let columns = (0..src.columns.len())
            .map(|c| {
                let arrays: Vec<&dyn Array> = parts.iter().map(|p| p[c].as_ref()).collect();
                concat(&arrays)
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.insert(p, duplicate_rejects(&schema, columns, chosen)?);
    }
    Ok(out)
}

/// Reads `text` (a whole file after its header) as records, for tests: every value per record.
#[cfg(test)]
pub(crate) fn parse_all(text: &str, delimiter: u8, n_cols: usize) -> Vec<(u64, Vec<Option<String>>)> {
    let dialect = Dialect::new(delimiter, n_cols);
    let mut spans = Vec::new();
    let mut scratch = String::new();
    let mut out = Vec::new();
    let mut raws = Vec::new();
    let b = text.as_bytes();
    let (mut i, mut lines) = (0, 0u64);
    while i < b.len() {
        if b[i] == b'\n' || b[i] == b'\r' {
            lines += u64::from(b[i] == b'\n');
            i += 1;
            continue;
        }
        match dialect.record(text, i, true, &mut spans, &mut scratch) {
            Parsed::Record { end, raw_end, newlines, .. } => {
                raws.push(Span { start: i as u32, end: raw_end as u32 });
                out.push((lines + 1, Vec::new()));
                lines += newlines;
                i = end;
            }
            Parsed::Incomplete | Parsed::StrayQuote => break,
        }
    }
    let locals: Vec<u64> = out.iter().map(|r| r.0).collect();
    let block = Block { text, scratch: &scratch, spans: &spans, locals: &locals, raws: &raws, faults: &[], n_cols };
    for (row, r) in out.iter_mut().enumerate() {
        r.1 = (0..n_cols).map(|c| block.text(c, row).map(str::to_string)).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The word-at-a-time reader agrees with the byte-wise one on every line it takes, and
    /// takes the plain ones.
    #[test]
    fn words_and_bytes_read_lines_alike() {
        let mut rng = custseg_core::math::Rng::new(5);
        let pieces = ["a", "bc", "", "12.50", "2024-01-05", "é", "客户", "x y", "\"q\"", "\r", ";", "\t"];
        let mut taken = 0;
        for n_cols in [1, 3, 7] {
            for delimiter in [b',', b';', b'\t'] {
                let dialect = Dialect::new(delimiter, n_cols);
                for _ in 0..400 {
                    let n_fields = 1 + (rng.uniform() * 9.0) as usize;
                    let fields: Vec<&str> =
                        (0..n_fields).map(|_| pieces[(rng.uniform() * pieces.len() as f64) as usize]).collect();
                    let ending = if rng.uniform() < 0.3 { "\r\n" } else { "\n" };
                    let line = format!("{}{ending}", fields.join(&(delimiter as char).to_string()));
                    // a prefix of another record, and a following one, around the line
                    let text = format!("p,q\n{line}next,line,here\n");
                    let start = 4;
                    let (mut by_words, mut by_bytes) = (Vec::new(), Vec::new());
                    let mut scratch = String::new();
                    let words = dialect.plain_line_by_words(text.as_bytes(), start, &mut by_words);
                    let bytes = dialect.record_bytewise(&text, start, true, &mut by_bytes, &mut scratch, false);
                    // the sixteen-byte reader takes the lines the word reader takes, alike
                    #[cfg(target_arch = "x86_64")]
                    {
                        let mut by_chunks = Vec::new();
                        let chunks = dialect.plain_line_by_chunks(text.as_bytes(), start, &mut by_chunks);
                        assert_eq!(format!("{chunks:?}"), format!("{words:?}"), "{line:?}");
                        assert_eq!(by_chunks, by_words, "{line:?}");
                    }
                    match words {
                        Some(w) => {
                            taken += 1;
                            assert_eq!(format!("{w:?}"), format!("{bytes:?}"), "{line:?}");
                            assert_eq!(by_words, by_bytes, "{line:?}");
                        }
                        None => {
                            assert!(by_words.is_empty());
                            // declined only for a quote or a stray carriage return
                            let body = line.strip_suffix(ending).unwrap_or(&line);
                            assert!(body.contains('"') || body.contains('\r'), "{line:?}");
                        }
                    }
                }
            }
        }
        assert!(taken > 1000, "{taken}");
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn quotes_blank_lines_short_rows_and_line_ends() {
        let text = "a,b,c\r\n\n\"x,y\",\"say \"\"hi\"\"\",\"\"\n\"two\nlines\",2\r3,,\n\"ab\"cd,e,f";
        let rows = parse_all(text, b',', 3);
        assert_eq!(
            rows,
            vec![
                (1, vec![s("a"), s("b"), s("c")]),
                (3, vec![s("x,y"), s("say \"hi\""), None]),
                (4, vec![s("two\nlines"), s("2"), None]),
                (5, vec![s("3"), None, None]),
                (6, vec![s("abcd"), s("e"), s("f")]),
            ]
        );
        let raw = |text: &str| {
            let mut spans = Vec::new();
            let mut scratch = String::new();
            match Dialect::new(b',', 2).record(text, 0, true, &mut spans, &mut scratch) {
                Parsed::Record { raw_end, .. } => text[..raw_end].to_string(),
                Parsed::Incomplete | Parsed::StrayQuote => String::new(),
            }
        };
        // a record's text, for the duplicate hash, is the line without its end
        assert_eq!(raw("a,b\r\nc"), "a,b");
        assert_eq!(raw("\"a\nb\",c\nd"), "\"a\nb\",c");
        assert_eq!(raw("a,\"b\"\r"), "a,\"b\"");
        assert_eq!(raw("a,b"), "a,b");
    }

    /// Cut into many small ranges, some starting inside a quoted value with newlines, a file
    /// reads as it does in one range: the same rows kept in the same order, the same rejects at
    /// the same file lines, the same line count.
    #[test]
    fn ranges_read_as_one_range_does() {
        use crate::clean::CleanRules;
        use crate::mapping::ColumnMap;
        use crate::parse::DateFormat;
        use datafusion::arrow::array::AsArray;
        use datafusion::arrow::datatypes::{Int64Type, UInt32Type, UInt64Type};

        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.csv");
        let mut text = String::from("customer_id,order_date,amount,note\n");
        for i in 0..400 {
            match i % 9 {
                // a note whose second line reads as a row when a range is guessed to start there
                0 => text.push_str(&format!(
                    "c{i},2024-01-{:02},{i}.5,\"multi\nghost{i},2024-03-01,7,x\n\nnote\"\n",
                    i % 28 + 1
                )),
                3 => text.push_str(&format!("c{i},2024-01-01,bad{i},plain\n")),
                5 => text.push('\n'),
                _ => text.push_str(&format!("c{},2024-02-{:02},{},\"a,\"\"b\"\"\"\r\n", i % 37, i % 28 + 1, i)),
            }
        }
        std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
        let src = crate::source::open(&path, crate::source::Format::Csv, &Default::default(), dir.path())
            .unwrap_or_else(|e| panic!("{e}"));
        let map = ColumnMap::resolve(&src.columns, &Default::default(), &path).unwrap_or_else(|e| panic!("{e}"));
        let cleaner = Cleaner::new(&src.columns, &map, DateFormat::Iso, CleanRules::default(), None);
        // (customer, day, amount, line) of kept rows, (line, reason) of rejects, lines in all
        let read = |threads: usize, per_thread: u64| {
            let (states, _) =
                clean_in_ranges(&src, &cleaner, threads, per_thread, 1, None).unwrap_or_else(|e| panic!("{e}"));
            let mut kept = Vec::new();
            let mut rejects = Vec::new();
            // the header is line 1
            let mut offset = 1;
            for (p, s) in states.iter().enumerate() {
                for (b, l) in s.kept.iter().zip(&s.kept_locals) {
                    let c = b.column(0).as_primitive::<UInt32Type>();
                    let m = b.column(2).as_primitive::<Int64Type>();
                    assert_eq!(l.len(), b.num_rows());
                    for r in 0..b.num_rows() {
                        let owner = &states[s.codes_in.unwrap_or(p)];
                        let name = owner.dicts.customers.names[c.value(r) as usize].clone();
                        kept.push((name, m.value(r), offset + l.get(r)));
                    }
                }
                for b in &s.rejects {
                    let l = b.column_by_name("_local").map(|c| c.as_primitive::<UInt64Type>().clone());
                    let why = b.column_by_name("_reason").map(|c| c.as_string::<i32>().clone());
                    if let (Some(l), Some(why)) = (l, why) {
                        for r in 0..l.len() {
                            rejects.push((offset + l.value(r), why.value(r).to_string()));
                        }
                    }
                }
                offset += s.lines;
            }
            let stray = states.iter().filter(|s| s.stray_names).count();
            (states.len(), stray, kept, rejects, offset)
        };
        let (one, _, kept1, rejects1, lines1) = read(1, 1);
        assert_eq!(one, 1);
        // many readers, one reader taking many ranges (one set of dictionaries for all), and
        // a few readers taking many each
        for (threads, per_thread) in [(40, 1), (1, 40), (3, 20)] {
            let (many, stray, kept, rejects, lines) = read(threads, per_thread);
            assert!(many > 10, "{many} ranges");
            // guesses inside the multi-line notes were read again, into the readers' dictionaries
            assert!(stray > 0, "{threads} x {per_thread}");
            assert_eq!(kept, kept1, "{threads} x {per_thread}");
            assert_eq!(rejects, rejects1, "{threads} x {per_thread}");
            assert_eq!(lines, lines1, "{threads} x {per_thread}");
        }
        // the file's own lines: a note spans 4 lines, so row 1 (c0) is on line 2 and row 4
        // (the first bad amount, i = 3) on line 5 + 3 = 8
        assert_eq!(lines1, text.matches('\n').count() as u64);
        assert_eq!(kept1[0], ("c0".to_string(), 5_000, 2));
        assert_eq!(rejects1[0], (8, "unparseable_amount".to_string()));
        assert_eq!(kept1.len() + rejects1.len(), (0..400).filter(|i| i % 9 != 5).count());
    }

    #[test]
    fn a_record_is_incomplete_until_its_end_is_seen() {
        let d = Dialect::new(b',', 2);
        let mut spans = Vec::new();
        let mut scratch = String::new();
        for partial in ["a,b", "a,\"b", "a,\"b\"", "a,b\r"] {
            assert!(matches!(d.record(partial, 0, false, &mut spans, &mut scratch), Parsed::Incomplete), "{partial}");
        }
        assert!(matches!(d.record("a,b\n", 0, false, &mut spans, &mut scratch), Parsed::Record { end: 4, .. }));
        assert!(matches!(d.record("a,b,c\n", 0, true, &mut spans, &mut scratch), Parsed::Record { fields: 3, .. }));
    }
}
