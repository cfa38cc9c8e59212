//! Input files: discovery (a file or a directory of them), format by extension, and for CSV the
//! encoding (UTF-8 with or without BOM, GBK/GB18030), delimiter and header. GBK files are
//! transcoded to a temporary UTF-8 copy before DataFusion reads them.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use custseg_core::catalog::Msg;
use serde::Serialize;

use crate::error::{DataError, Result};

/// File formats custseg reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Delimited text with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// JSON lines (one object per line).
    Json,
}

impl Format {
    /// The format of a path by its extension, `None` for an unsupported one.
    pub fn of(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "json" | "jsonl" | "ndjson" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Text encodings of CSV input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GBK / GB18030 (Chinese Windows and Excel exports).
    Gbk,
}

/// How to read the CSV files of an input; `None` fields are detected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CsvOptions {
    /// Text encoding; detected when unset.
    pub encoding: Option<Encoding>,
    /// Field delimiter, one of `,` `;` tab `|`; sniffed when unset.
    pub delimiter: Option<char>,
}

/// One input file, ready for DataFusion: the path to read (a UTF-8 copy for GBK input), the
/// path the user gave (for messages), and the header.
#[derive(Debug)]
pub struct SourceFile {
    /// The file as the user named it.
    pub path: PathBuf,
    /// The file DataFusion reads (a transcoded copy for GBK input).
    pub read_path: PathBuf,
    /// Its format.
    pub format: Format,
    /// CSV: detected or given encoding.
    pub encoding: Option<Encoding>,
    /// CSV: why that encoding (the evidence, or "given").
    pub encoding_note: Option<Msg>,
    /// CSV: whether a UTF-8 byte-order mark was present.
    pub bom: bool,
    /// CSV: the delimiter.
    pub delimiter: u8,
    /// Column names (CSV: from the header, BOM removed; others: from the file schema, filled in
    /// by the reader).
    pub columns: Vec<String>,
    /// Size in bytes of the original file.
    pub size_bytes: u64,
    /// Keeps a transcoded copy alive until the file has been read.
    _temp: Option<tempfile::TempPath>,
}

/// The supported files at `path`: the file itself, or every supported file directly inside the
/// directory, sorted by name (hidden files skipped).
///
/// # Errors
/// [`DataError::Io`] if the path cannot be read, [`DataError::NoFiles`] if nothing is found.
pub fn discover(path: &Path) -> Result<Vec<(PathBuf, Format)>> {
    let meta = std::fs::metadata(path).map_err(DataError::io("read", path))?;
    let mut files = Vec::new();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).map_err(DataError::io("list", path))? {
            let p = entry.map_err(DataError::io("list", path))?.path();
            let hidden = p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
            if let Some(f) = Format::of(&p)
                && p.is_file()
                && !hidden
            {
                files.push((p, f));
            }
        }
        files.sort_by(|a, b| a.0.cmp(&b.0));
    } else {
        let format = Format::of(path).unwrap_or(Format::Csv);
        files.push((path.to_path_buf(), format));
    }
    if files.is_empty() {
        return Err(DataError::NoFiles { path: path.to_path_buf() });
    }
    Ok(files)
}

/// Checks a Parquet file's frame and footer before any reader decodes it: the Parquet metadata
/// decoder panics on some corrupt footers (an 8-byte `PAR1PAR1` file, a huge footer length),
/// so the frame is checked here and the footer decoded once under `catch_unwind`, and a corrupt
/// file is an error naming it.
///
/// # Errors
/// [`DataError::Unreadable`] saying what is wrong.
fn check_parquet(path: &Path, size: u64) -> Result<()> {
    use std::io::{Seek, SeekFrom};
    let corrupt = |message: String| DataError::Unreadable { path: path.to_path_buf(), message };
    let mut file = File::open(path).map_err(DataError::io("open", path))?;
    let mut head = [0u8; 4];
    let mut tail = [0u8; 8];
    if size < 12 {
        return Err(corrupt(format!("not a Parquet file: {size} bytes, too short for its header and footer")));
    }
    file.read_exact(&mut head).map_err(DataError::io("read", path))?;
    file.seek(SeekFrom::End(-8)).and_then(|_| file.read_exact(&mut tail)).map_err(DataError::io("read", path))?;
    if &head != b"PAR1" || &tail[4..] != b"PAR1" {
        return Err(corrupt("not a Parquet file: it does not start and end with PAR1".into()));
    }
    let footer = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if footer == 0 || footer + 12 > size {
        return Err(corrupt(format!("corrupt Parquet footer: metadata length {footer} in a file of {size} bytes")));
    }
    let decoded = std::panic::catch_unwind(|| {
        datafusion::parquet::file::metadata::ParquetMetaDataReader::new().parse_and_finish(&file).map(|_| ())
    });
    match decoded {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(corrupt(format!("corrupt Parquet metadata: {e}"))),
        Err(_) => Err(corrupt("corrupt Parquet metadata (the decoder failed on it)".into())),
    }
}

/// Opens one file: for CSV, detects encoding, delimiter and header, transcoding GBK input to a
/// temporary UTF-8 file in `temp_dir`.
///
/// # Errors
/// I/O errors, [`DataError::Encoding`] for bytes that are neither UTF-8 nor GBK,
/// [`DataError::NoDataRows`] for an empty file, [`DataError::Unreadable`] for a corrupt Parquet
/// file.
pub fn open(path: &Path, format: Format, options: &CsvOptions, temp_dir: &Path) -> Result<SourceFile> {
    let size_bytes = std::fs::metadata(path).map_err(DataError::io("read", path))?.len();
    let mut source = SourceFile {
        path: path.to_path_buf(),
        read_path: path.to_path_buf(),
        format,
        encoding: None,
        encoding_note: None,
        bom: false,
        delimiter: b',',
        columns: Vec::new(),
        size_bytes,
        _temp: None,
    };
    if format == Format::Parquet {
        check_parquet(path, size_bytes)?;
    }
    if format != Format::Csv {
        return Ok(source);
    }
    // the encoding is decided on the first MiB, the header and delimiter on its first 64 KiB
    let mut sample = Vec::with_capacity(ENCODING_SAMPLE);
    File::open(path)
        .map_err(DataError::io("open", path))?
        .take(ENCODING_SAMPLE as u64)
        .read_to_end(&mut sample)
        .map_err(DataError::io("read", path))?;
    let head = &sample[..sample.len().min(64 * 1024)];
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DataError::NoDataRows { path: path.to_path_buf() });
    }
    source.bom = head.starts_with(b"\xEF\xBB\xBF");
    let (encoding, note) = match options.encoding {
        Some(e) => (e, Msg::new("encoding_given")),
        None if source.bom => (Encoding::Utf8, Msg::new("encoding_bom")),
        None => detect_encoding(&sample, size_bytes as usize == sample.len()),
    };
    source.encoding = Some(encoding);
    source.encoding_note = Some(note);
    let text = match encoding {
        Encoding::Utf8 => {
            // a cut character at the end of the sample, and bytes that are not UTF-8 (their
            // rows are rejected when read), do not matter for the header and delimiter
            let body = if source.bom { &head[3..] } else { head };
            String::from_utf8_lossy(body).into_owned()
        }
        Encoding::Gbk => {
            let temp = transcode_gbk(path, temp_dir)?;
            source.read_path = temp.to_path_buf();
            source._temp = Some(temp);
            let (text, _, _) = encoding_rs::GB18030.decode(head);
            text.into_owned()
        }
    };
    let delimiter = match options.delimiter {
        Some(c) if c.is_ascii() => c as u8,
        Some(c) => {
            return Err(DataError::Unreadable {
                path: path.to_path_buf(),
                message: format!("delimiter `{c}` is not a single-byte character"),
            });
        }
        None => sniff_delimiter(&text, path),
    };
    source.delimiter = delimiter;
    let header = text.lines().next().unwrap_or("");
    source.columns = split_record(header, delimiter).into_iter().map(|c| c.trim().to_string()).collect();
    if source.columns.iter().all(String::is_empty) {
        return Err(DataError::Unreadable {
            path: path.to_path_buf(),
            message: "the first line (the header) is empty".into(),
        });
    }
    dedupe_names(&mut source.columns);
    Ok(source)
}

/// The first byte of `path` that is not white space (a UTF-8 byte-order mark skipped).
pub(crate) fn first_non_space(path: &Path) -> Option<u8> {
    let mut buf = [0u8; 512];
    let n = File::open(path).ok()?.read(&mut buf).ok()?;
    let text = buf[..n].strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&buf[..n]);
    text.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Bytes of a CSV file's start its encoding is decided on.
const ENCODING_SAMPLE: usize = 1 << 20;

/// The encoding of a CSV file from the first bytes, and the evidence in words.
///
/// UTF-8 when they are valid UTF-8 (a character cut at the end of the sample aside), and also
/// when they are mostly UTF-8: at most one invalid sequence per 50 valid multi-byte characters
/// (a corrupted byte in a UTF-8 file, whose rows are then rejected, not the whole file read as
/// GBK: Chinese UTF-8 text is often valid GB18030 byte for byte). Otherwise GBK when they decode
/// as GB18030 without error (GBK text forms a valid UTF-8 character by chance in only about one
/// pair of bytes in six), else UTF-8, whose rows with invalid bytes are rejected.
fn detect_encoding(sample: &[u8], whole_file: bool) -> (Encoding, Msg) {
    let (multibyte, invalid, first_invalid) = utf8_evidence(sample, whole_file);
    if invalid == 0 {
        let why =
            if multibyte == 0 { Msg::new("encoding_ascii") } else { Msg::new("encoding_utf8").arg("chars", multibyte) };
        return (Encoding::Utf8, why);
    }
    let at = first_invalid.unwrap_or(0);
    if invalid * 50 <= multibyte {
        return (
            Encoding::Utf8,
            Msg::new("encoding_mostly_utf8").arg("chars", multibyte).arg("invalid", invalid).arg("at", at),
        );
    }
    let sample = match std::str::from_utf8(sample) {
        Err(e) if e.error_len().is_none() && !whole_file => &sample[..e.valid_up_to()],
        _ => sample,
    };
    let (_, _, gbk_errors) = encoding_rs::GB18030.decode(sample);
    if gbk_errors {
        (Encoding::Utf8, Msg::new("encoding_neither").arg("at", at))
    } else {
        (Encoding::Gbk, Msg::new("encoding_gbk").arg("invalid", invalid).arg("at", at))
    }
}

/// `(valid multi-byte characters, invalid sequences, offset of the first)` of UTF-8 in `b`; a
/// character cut by the end of a sample that is not the whole file is not counted.
fn utf8_evidence(b: &[u8], whole_file: bool) -> (usize, usize, Option<usize>) {
    let (mut multibyte, mut invalid, mut first) = (0, 0, None);
    let mut at = 0;
    while at < b.len() {
        match std::str::from_utf8(&b[at..]) {
            Ok(s) => {
                multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let valid = &b[at..at + e.valid_up_to()];
                multibyte += valid.iter().filter(|&&c| c >= 0xC0).count();
                match e.error_len() {
                    Some(n) => {
                        invalid += 1;
                        first.get_or_insert(at + e.valid_up_to());
                        at += e.valid_up_to() + n;
                    }
                    None if !whole_file => break,
                    None => {
                        invalid += 1;
                        first.get_or_insert(at + e.valid_up_to());
                        break;
                    }
                }
            }
        }
    }
    (multibyte, invalid, first)
}

fn transcode_gbk(path: &Path, temp_dir: &Path) -> Result<tempfile::TempPath> {
    let input = File::open(path).map_err(DataError::io("open", path))?;
    let temp = tempfile::Builder::new()
        .prefix(".custseg-utf8-")
        .suffix(".csv")
        .tempfile_in(temp_dir)
        .map_err(DataError::io("create a temporary file in", temp_dir))?;
    let (file, temp_path) = temp.into_parts();
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut dst = vec![0u8; 1 << 21];
    loop {
        let buf = reader.fill_buf().map_err(DataError::io("read", path))?;
        let last = buf.is_empty();
        let mut at = 0;
        loop {
            let (result, read, written) = decoder.decode_to_utf8_without_replacement(&buf[at..], &mut dst, last);
            at += read;
            out.write_all(&dst[..written]).map_err(DataError::io("write", &temp_path))?;
            match result {
                encoding_rs::DecoderResult::InputEmpty => break,
                encoding_rs::DecoderResult::OutputFull => {}
                // a byte sequence that is not GBK: written as a byte that is not UTF-8 either,
                // so that the reader rejects its row as `invalid_text` (the file goes on)
                encoding_rs::DecoderResult::Malformed(..) => {
                    out.write_all(b"\xFF").map_err(DataError::io("write", &temp_path))?;
                }
            }
        }
        reader.consume(at);
        if last {
            break;
        }
    }
    out.flush().map_err(DataError::io("write", &temp_path))?;
    Ok(temp_path)
}

/// The delimiter among `,` `;` tab `|` that splits the first lines into the same number (> 1)
/// of fields most consistently; comma when none does.
fn sniff_delimiter(text: &str, path: &Path) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(50).collect();
    // the last line of a sample may be cut
    let lines = if lines.len() > 2 { &lines[..lines.len() - 1] } else { &lines[..] };
    let ext_tab = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    let mut best = (if ext_tab { b'\t' } else { b',' }, 0usize);
    for d in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| split_record(l, d).len()).collect();
        let Some(&first) = counts.first() else { continue };
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if first > 1 && consistent * 10 >= counts.len() * 9 && first > best.1 {
            best = (d, first);
        }
    }
    best.0
}

/// Splits one CSV record (no embedded newlines) on `delimiter`, honouring double quotes.
pub fn split_record(line: &str, delimiter: u8) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches(['\r', '\n']).chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    field.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
        } else if c == '"' {
            quoted = true;
        } else if c as u32 == u32::from(delimiter) {
            fields.push(std::mem::take(&mut field));
        } else {
            field.push(c);
        }
    }
    fields.push(field);
    fields
}

/// Empty or repeated header names get a suffix so every column has a unique name.
fn dedupe_names(columns: &mut [String]) {
    for i in 0..columns.len() {
        if columns[i].is_empty() {
            columns[i] = format!("column_{}", i + 1);
        }
        let mut k = 2;
        let base = columns[i].clone();
        while columns[..i].contains(&columns[i]) {
            columns[i] = format!("{base}_{k}");
            k += 1;
        }
    }
}

/// xxh3-128 of a file's bytes, hex: the input fingerprint of the run record (fast enough to
/// hash a large export while the pipeline runs).
///
/// # Errors
/// [`DataError::Io`] if the file cannot be read.
pub fn fingerprint(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(DataError::io("open", path))?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(DataError::io("read", path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:032x}", hasher.digest128()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_split_with_quotes_and_delimiters_sniff() {
        assert_eq!(split_record(r#"a,"b,c",d"#, b','), vec!["a", "b,c", "d"]);
        assert_eq!(split_record(r#""x ""y""";2"#, b';'), vec![r#"x "y""#, "2"]);
        let p = Path::new("f.csv");
        assert_eq!(sniff_delimiter("a;b;c\n1;2,5;3\n4;5;6\n", p), b';');
        assert_eq!(sniff_delimiter("a\tb\n1\t2\n", p), b'\t');
        assert_eq!(sniff_delimiter("a|b|c\n1|2|3\n", p), b'|');
        assert_eq!(sniff_delimiter("id,amount\n1,2\n", p), b',');
        let mut cols = vec!["a".to_string(), "".to_string(), "a".to_string()];
        dedupe_names(&mut cols);
        assert_eq!(cols, vec!["a", "column_2", "a_2"]);
    }

    #[test]
    fn gbk_is_detected_and_utf8_wins_when_valid() {
        let (gbk, _, _) = encoding_rs::GBK.encode("客户ID,金额\n张三,12.5\n");
        assert_eq!(detect_encoding(&gbk, true).0, Encoding::Gbk);
        assert_eq!(detect_encoding("客户ID,金额\n".as_bytes(), true).0, Encoding::Utf8);
    }

    #[test]
    fn mostly_utf8_with_a_bad_byte_is_utf8() {
        // 300 Chinese ids in UTF-8 with one corrupted byte that leaves the bytes valid GB18030
        // (runs of two Chinese characters are three GBK pairs): that made the whole file GBK
        let mut text = String::from("客户ID,订单日期,实付金额\n");
        for i in 0..300 {
            text.push_str(&format!("会员{i:03},2024-01-01,5\n"));
        }
        let mut bytes = text.into_bytes();
        let at = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(40).map_or(0, |(i, _)| i + 1);
        bytes[at] = 0x81;
        assert!(std::str::from_utf8(&bytes).is_err());
        assert!(!encoding_rs::GB18030.decode(&bytes).2, "the corrupted bytes are valid GB18030");
        let (encoding, why) = detect_encoding(&bytes, true);
        assert_eq!(encoding, Encoding::Utf8, "{why}");
        assert!(why.text.contains("3 invalid byte sequences"), "{why}");
        // a real GBK file stays GBK
        let text = "客户编号,金额\n张三,12.5\n李四,3\n".repeat(50);
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let (encoding, why) = detect_encoding(&gbk, true);
        assert_eq!(encoding, Encoding::Gbk, "{why}");
    }
}
