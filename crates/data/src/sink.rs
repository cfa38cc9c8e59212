//! Output: a plain columnar [`Table`] the engine fills without knowing Arrow, and atomic writers
//! for CSV, Parquet and JSON (temp file in the target directory, then rename, so a reader never
//! sees half a file and a failed run leaves the previous output intact).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::builder::NullBufferBuilder;
use datafusion::arrow::array::{
    Array, ArrayRef, ArrowPrimitiveType, AsArray, DictionaryArray, PrimitiveArray, StringArray, UInt16Array,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::datatypes::{
    ArrowNativeType, DataType, Date32Type, Field, Float32Type, Float64Type, Int32Type, Int64Type, Schema, UInt16Type,
    UInt32Type, UInt64Type,
};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, compute_leaves};
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use datafusion::parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::swar::{bytes_equal, splat};

pub use datafusion::arrow::record_batch::RecordBatch;

/// One output column.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// Text.
    Str(Vec<Option<String>>),
    /// Integers.
    Int(Vec<Option<i64>>),
    /// Floating point.
    Float(Vec<Option<f64>>),
    /// Dates as days since 1970-01-01 (written as ISO dates).
    Date(Vec<Option<i32>>),
    /// Text from a small set of values: `labels[code]` per row (no string per row).
    Codes {
        /// The distinct values.
        labels: Vec<String>,
        /// Per row, an index into `labels`.
        codes: Vec<Option<u16>>,
    },
}

/// The type of a column, without its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (also [`Column::Codes`]).
    Text,
    /// Integers.
    Int,
    /// Floating point.
    Float,
    /// Dates.
    Date,
}

impl Kind {
    /// The Arrow type a column of this kind is written as.
    pub(crate) fn data_type(self) -> DataType {
        match self {
            Kind::Text => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Date => DataType::Date32,
        }
    }
}

impl Column {
    /// The column's type.
    pub fn kind(&self) -> Kind {
        match self {
            Column::Str(_) | Column::Codes { .. } => Kind::Text,
            Column::Int(_) => Kind::Int,
            Column::Float(_) => Kind::Float,
            Column::Date(_) => Kind::Date,
        }
    }

    /// The column as an Arrow array (of type `self.kind().data_type()`, but a
    /// `Dictionary(UInt16, Utf8)` for [`Column::Codes`]), consuming it. Arrays are sized before
    /// they are filled (no growing buffers: each regrowth copies the buffer and touches fresh
    /// pages).
    ///
    /// # Errors
    /// [`DataError::Engine`] when a text column holds more than 2 GiB (Arrow's `Utf8` limit).
    fn into_array(self) -> Result<ArrayRef> {
        Ok(match self {
            Column::Str(v) => Arc::new(text_array(v.len(), |i| v[i].as_deref())?),
            Column::Int(v) => Arc::new(primitive_from::<Int64Type>(v.len(), |i| v[i])),
            Column::Float(v) => Arc::new(primitive_from::<Float64Type>(v.len(), |i| v[i])),
            Column::Date(v) => Arc::new(primitive_from::<Date32Type>(v.len(), |i| v[i])),
            Column::Codes { labels, codes } => codes_array(labels, primitive_from(codes.len(), |i| codes[i]))?,
        })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Column::Str(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::Float(v) => v.len(),
            Column::Date(v) => v.len(),
            Column::Codes { codes, .. } => codes.len(),
        }
    }

    /// Whether the column is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i` as a number: integers and floats as they are, dates as days since 1970-01-01,
    /// text parsed (`None` when it is not a number or the row is missing).
    pub fn number(&self, i: usize) -> Option<f64> {
        match self {
            Column::Str(v) => v.get(i)?.as_deref()?.trim().parse().ok(),
            Column::Int(v) => v.get(i).copied().flatten().map(|x| x as f64),
            Column::Float(v) => v.get(i).copied().flatten(),
            Column::Date(v) => v.get(i).copied().flatten().map(f64::from),
            Column::Codes { labels, codes } => labels.get(usize::from(codes.get(i).copied().flatten()?))?.parse().ok(),
        }
    }

    /// Row `i` as text, as the CSV writer writes it (dates as ISO dates).
    pub fn text(&self, i: usize) -> Option<String> {
        match self {
            Column::Str(v) => v.get(i)?.clone(),
            Column::Int(v) => v.get(i).copied().flatten().map(|x| x.to_string()),
            Column::Float(v) => v.get(i).copied().flatten().map(|x| x.to_string()),
            Column::Date(v) => v.get(i).copied().flatten().map(crate::parse::format_day),
            Column::Codes { labels, codes } => labels.get(usize::from(codes.get(i).copied().flatten()?)).cloned(),
        }
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Column names.
    pub names: Vec<String>,
    /// Columns, parallel to `names`.
    pub columns: Vec<Column>,
}

impl Table {
    /// Appends a column.
    pub fn push(&mut self, name: impl Into<String>, column: Column) {
        self.names.push(name.into());
        self.columns.push(column);
    }

    /// The column called `name`.
    pub fn get(&self, name: &str) -> Option<&Column> {
        self.names.iter().position(|n| n == name).map(|k| &self.columns[k])
    }

    /// Number of rows (of the first column).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// The table as one Arrow batch, consuming it: each column is freed as soon as its array is
    /// built, so the table and the batch are never both held in full.
    ///
    /// # Errors
    /// [`DataError::Engine`] when columns differ in length.
    pub fn into_batch(self) -> Result<RecordBatch> {
        let mut fields = Vec::with_capacity(self.names.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.names.len());
        for (n, c) in self.names.into_iter().zip(self.columns) {
            let a = c.into_array()?;
            fields.push(Field::new(n, a.data_type().clone(), true));
            arrays.push(a);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }

    /// `batch` with this table's columns appended (same number of rows).
    ///
    /// # Errors
    /// [`DataError`] when the row counts differ.
    pub fn append_to(self, batch: &RecordBatch) -> Result<RecordBatch> {
        let schema = batch.schema();
        let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
        let mut arrays: Vec<ArrayRef> = batch.columns().to_vec();
        for (n, c) in self.names.into_iter().zip(self.columns) {
            let a = c.into_array()?;
            fields.push(Field::new(n, a.data_type().clone(), true));
            arrays.push(a);
        }
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }
}

/// The `n` texts `get(0..n)` as a `StringArray`, sized exactly before it is filled.
fn text_array<'s>(n: usize, get: impl Fn(usize) -> Option<&'s str>) -> Result<StringArray> {
    let mut bytes = 0usize;
    let mut any_null = false;
    for i in 0..n {
        match get(i) {
            Some(s) => bytes += s.len(),
            None => any_null = true,
        }
    }
    if i32::try_from(bytes).is_err() {
        return Err(DataError::engine("building an output column")(datafusion::error::DataFusionError::Execution(
            format!("a text column of {bytes} bytes is over the 2 GiB one column can hold"),
        )));
    }
    let mut offsets: Vec<i32> = Vec::with_capacity(n + 1);
    let mut values: Vec<u8> = Vec::with_capacity(bytes);
    offsets.push(0);
    for i in 0..n {
        if let Some(s) = get(i) {
            values.extend_from_slice(s.as_bytes());
        }
        // fits: the total was checked above
        offsets.push(values.len() as i32);
    }
    let nulls = any_null.then(|| NullBuffer::from_iter((0..n).map(|i| get(i).is_some())));
    Ok(StringArray::try_new(OffsetBuffer::new(offsets.into()), values.into(), nulls)?)
}

/// The array of `n` values, `get(i)` for value `i` (`None` for a null), sized before it is
/// filled.
fn primitive_from<T: ArrowPrimitiveType>(n: usize, get: impl Fn(usize) -> Option<T::Native>) -> PrimitiveArray<T> {
    // a validity bitmap only from the first null on
    let mut nulls = NullBufferBuilder::new(n);
    let values: Vec<T::Native> = (0..n)
        .map(|i| match get(i) {
            Some(v) => {
                nulls.append_non_null();
                v
            }
            None => {
                nulls.append_null();
                T::Native::default()
            }
        })
        .collect();
    PrimitiveArray::new(values.into(), nulls.finish())
}

/// A label column as a dictionary array: the labels once and a 2-byte key per row, no text per
/// row (the files get plain text: see `write_csv` and `write_parquet`).
fn codes_array(labels: Vec<String>, keys: UInt16Array) -> Result<ArrayRef> {
    Ok(Arc::new(DictionaryArray::<UInt16Type>::try_new(keys, Arc::new(StringArray::from(labels)))?))
}

/// A column of a [`BatchBuilder`], made (as its Arrow array) when the batch is built.
type MakeColumn<'a> = Box<dyn FnOnce() -> Result<ArrayRef> + Send + 'a>;

/// A batch built column by column. Columns are made (and each turned into an Arrow array and
/// freed) in [`BatchBuilder::finish`], on every core, so a wide table (customers.csv has 40+
/// columns) never exists twice in memory, as [`Column`]s and as its batch.
#[derive(Default)]
pub struct BatchBuilder<'a> {
    /// Column names, in order.
    pub names: Vec<String>,
    columns: Vec<MakeColumn<'a>>,
}

impl std::fmt::Debug for BatchBuilder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchBuilder").field("names", &self.names).finish_non_exhaustive()
    }
}

impl<'a> BatchBuilder<'a> {
    /// Appends a column.
    pub fn push(&mut self, name: impl Into<String>, column: Column) {
        self.push_with(name, move || column);
    }

    /// Appends the column `make` makes (when the batch is built).
    pub fn push_with(&mut self, name: impl Into<String>, make: impl FnOnce() -> Column + Send + 'a) {
        self.names.push(name.into());
        self.columns.push(Box::new(move || make().into_array()));
    }

    /// Appends a text column of `n` rows, `get(i)` for row `i`, built straight into its array
    /// (no `String` per row, as a [`Column::Str`] would need, for texts that already exist).
    pub fn push_text(&mut self, name: impl Into<String>, n: usize, get: impl Fn(usize) -> Option<&'a str> + Send + 'a) {
        self.names.push(name.into());
        self.columns.push(Box::new(move || Ok(Arc::new(text_array(n, get)?) as ArrayRef)));
    }

    /// Appends an integer column of `n` rows, `get(i)` for row `i` (`None` for a null), made
    /// straight into its array. A [`Column`] holds `Option`s first: for a million rows 16 MB a
    /// column that only lived to be copied, fresh pages for the kernel to clear each time.
    pub fn push_ints(&mut self, name: impl Into<String>, n: usize, get: impl Fn(usize) -> Option<i64> + Send + 'a) {
        self.push_primitive::<Int64Type>(name, n, get);
    }

    /// Appends a float column, as [`BatchBuilder::push_ints`].
    pub fn push_floats(&mut self, name: impl Into<String>, n: usize, get: impl Fn(usize) -> Option<f64> + Send + 'a) {
        self.push_primitive::<Float64Type>(name, n, get);
    }

    /// Appends a date column (days since 1970-01-01), as [`BatchBuilder::push_ints`].
    pub fn push_dates(&mut self, name: impl Into<String>, n: usize, get: impl Fn(usize) -> Option<i32> + Send + 'a) {
        self.push_primitive::<Date32Type>(name, n, get);
    }

    /// The three above: a column of Arrow type `T` made by [`primitive_from`] when the batch is
    /// built (the engine does not name Arrow types).
    fn push_primitive<T: ArrowPrimitiveType>(
        &mut self,
        name: impl Into<String>,
        n: usize,
        get: impl Fn(usize) -> Option<T::Native> + Send + 'a,
    ) {
        self.names.push(name.into());
        self.columns.push(Box::new(move || Ok(Arc::new(primitive_from::<T>(n, get)) as ArrayRef)));
    }

    /// Appends a label column (as [`Column::Codes`]): `get(i)` is row `i`'s index into
    /// `labels`, made straight into its array as [`BatchBuilder::push_ints`].
    pub fn push_codes(
        &mut self,
        name: impl Into<String>,
        labels: Vec<String>,
        n: usize,
        get: impl Fn(usize) -> Option<u16> + Send + 'a,
    ) {
        self.names.push(name.into());
        self.columns.push(Box::new(move || codes_array(labels, primitive_from(n, get))));
    }

    /// The batch.
    ///
    /// # Errors
    /// [`DataError::Engine`] when columns differ in length.
    pub fn finish(self) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self.columns.into_par_iter().map(|make| make()).collect::<Result<_>>()?;
        let fields: Vec<Field> =
            self.names.iter().zip(&arrays).map(|(n, a)| Field::new(n, a.data_type().clone(), true)).collect();
        Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
    }
}

/// How files are written: always atomically (a temporary file renamed over the target, so a
/// reader sees the old file or the whole new one), and with `fsync` also flushed to disk before
/// taking the name, so that a power loss cannot leave a truncated file under it. `fsync` is off by
/// default: outputs can be recomputed from their inputs, and flushing cost 0.15 s of wall and
/// 0.4 s of CPU (kernel writeback in our threads) of the 1M bench's 4.8 s. A value handed to each
/// writer (`[run] fsync`, `--fsync`), not process state: two runs in one process may differ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sink {
    /// Flush each file to disk before it takes its name.
    pub fsync: bool,
}

impl Sink {
    /// A sink that flushes files to disk when `fsync`.
    pub const fn new(fsync: bool) -> Sink {
        Sink { fsync }
    }

    /// Writes a file atomically: `write` fills a temporary file next to `path`, which is then
    /// renamed over `path` (flushed to disk first with `fsync`).
    ///
    /// # Errors
    /// [`DataError::Io`] naming the file.
    pub fn atomic(self, path: &Path, write: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(DataError::io("create directory", dir))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        // an unpredictable name, created exclusively (a symlink planted there is never followed)
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // readable like a file made by `File::create` (tempfile's default is owner-only)
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
        let (file, tmp) =
            builder.tempfile_in(dir).map_err(DataError::io("create a temporary file in", dir))?.into_parts();
        let tmp: PathBuf = tmp.keep().map_err(|e| DataError::io("create", dir)(e.error))?;
        let result = (|| {
            let mut w = BufWriter::with_capacity(1 << 20, file);
            write(&mut w)?;
            let file = w.into_inner().map_err(|e| DataError::Io {
                action: "write",
                path: tmp.clone(),
                source: e.into_error(),
            })?;
            if self.fsync {
                file.sync_all().map_err(DataError::io("write", &tmp))?;
            }
            replace_file(&tmp, path).map_err(DataError::io("replace", path))
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

/// Puts the file `tmp` in the place of `path`, atomically: a reader sees the old file or the new.
///
/// Where a regular file is already there (a run into the same directory again), on Linux the two
/// are exchanged (`renameat2` with `RENAME_EXCHANGE`, as atomic as a rename) and the old one, now
/// under the temporary name, removed. A plain rename over an existing file makes ext4 write the
/// new file's data out before the rename returns (its `auto_da_alloc`): 0.27 s for the 316 MB
/// customers.csv of the 1M bench and 0.4 s over the run's files, the process waiting on the disk.
/// Durability across a power loss is what `fsync` is for (ARCHITECTURE invariant 4). Anything
/// else (nothing there, a directory, a filesystem without exchange) takes a plain rename.
pub fn replace_file(tmp: &Path, path: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file()) {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        if renameat_with(CWD, tmp, CWD, path, RenameFlags::EXCHANGE).is_ok() {
            return std::fs::remove_file(tmp);
        }
    }
    std::fs::rename(tmp, path)
}

impl Sink {
    /// Writes batches as CSV with a header (also when there are no rows: the header of `schema`).
    ///
    /// # Errors
    /// I/O and Arrow errors, naming the file.
    pub fn csv(self, path: &Path, schema: &Schema, batches: &[RecordBatch]) -> Result<()> {
        let fsync = self.fsync;
        self.atomic(path, |w| {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let mut header = Vec::new();
                csv_header(schema, &mut header);
                w.write_all(&header).map_err(DataError::io("write", path))?;
                return Ok(());
            }
            // Rows are formatted in slices on every core and written in order: the bytes are those
            // of one sequential writer (only the first slice carries the header). A round of slices
            // is formatted while a second thread writes the round before it to the file; two sets
            // of buffers, made for the first two rounds, then go back and forth between them (fresh
            // multi-megabyte buffers each round would be fresh pages from the OS each time, zeroed
            // by the kernel).
            let slices: Vec<RecordBatch> = batches
                .iter()
                .flat_map(|b| {
                    (0..b.num_rows()).step_by(CSV_SLICE_ROWS).map(|o| b.slice(o, CSV_SLICE_ROWS.min(b.num_rows() - o)))
                })
                .collect();
            let per_round = 2 * rayon::current_num_threads().max(1);
            let (to_writer, formatted) = std::sync::mpsc::sync_channel::<Vec<Vec<u8>>>(1);
            let (to_formatter, written) = std::sync::mpsc::channel::<Vec<Vec<u8>>>();
            std::thread::scope(|scope| {
                let writer = scope.spawn(move || -> Result<()> {
                    let mut unsynced = 0;
                    for buffers in formatted {
                        for buf in &buffers {
                            w.write_all(buf).map_err(DataError::io("write", path))?;
                            unsynced += buf.len();
                        }
                        // with `fsync` on, the file goes to disk as it is written, while the next
                        // round is formatted, rather than all in the final sync (0.15-0.2 s with
                        // nothing else to do, for the 316 MB customers.csv of the 1M bench)
                        if unsynced >= SYNC_BYTES && fsync {
                            w.flush().map_err(DataError::io("write", path))?;
                            w.get_ref().sync_data().map_err(DataError::io("write", path))?;
                            unsynced = 0;
                        }
                        // the formatter may be done: then the buffers are simply dropped
                        let _ = to_formatter.send(buffers);
                    }
                    Ok(())
                });
                let formatted: Result<()> = (|| {
                    for (round, group) in slices.chunks(per_round).enumerate() {
                        let mut buffers = match round {
                            0 | 1 => vec![Vec::new(); per_round],
                            _ => written.recv().unwrap_or_else(|_| vec![Vec::new(); per_round]),
                        };
                        let done: Vec<Result<()>> = group
                            .par_iter()
                            .zip(buffers.par_iter_mut())
                            .enumerate()
                            .map(|(k, (slice, buf))| {
                                buf.clear();
                                if round == 0 && k == 0 {
                                    csv_header(slice.schema().as_ref(), buf);
                                }
                                csv_rows(slice, buf)
                            })
                            .collect();
                        done.into_iter().collect::<Result<()>>()?;
                        buffers.truncate(group.len());
                        if to_writer.send(buffers).is_err() {
                            break; // the writer stopped on an error, which it returns
                        }
                    }
                    Ok(())
                })();
                drop(to_writer);
                let wrote = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                formatted.and(wrote)
            })
        })
    }
}

/// The header line: the column names, quoted where needed.
fn csv_header(schema: &Schema, out: &mut Vec<u8>) {
    for (k, f) in schema.fields().iter().enumerate() {
        if k > 0 {
            out.push(b',');
        }
        csv_text(f.name(), out);
    }
    out.push(b'\n');
}

/// A text field: quoted (with inner quotes doubled) when it holds a comma, a quote or a line
/// break, as the `csv` crate's "necessary" quoting does.
fn csv_text(s: &str, out: &mut Vec<u8>) {
    if needs_quotes(s.as_bytes()) {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        append(out, s.as_bytes());
    }
}

/// Whether text holds a byte that makes a CSV field need quotes, eight bytes at a time, so a
/// whole column's text is checked at once.
fn needs_quotes(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut marks = 0;
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        marks |= bytes_equal(w, splat(b',')) | bytes_equal(w, splat(b'"'));
        marks |= bytes_equal(w, splat(b'\n')) | bytes_equal(w, splat(b'\r'));
    }
    marks != 0 || words.remainder().iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
}

/// `out.extend_from_slice(b)` without a call to `memcpy` for the short values most fields are
/// (labels, numbers): up to 16 bytes go as two fixed-size, possibly overlapping, copies.
#[inline(always)]
fn append(out: &mut Vec<u8>, b: &[u8]) {
    let n = b.len();
    let start = out.len();
    if (8..=16).contains(&n) {
        out.extend_from_slice(&<[u8; 8]>::try_from(&b[..8]).unwrap_or_default());
        out.truncate(start + n - 8);
        out.extend_from_slice(&<[u8; 8]>::try_from(&b[n - 8..]).unwrap_or_default());
    } else if (4..8).contains(&n) {
        out.extend_from_slice(&<[u8; 4]>::try_from(&b[..4]).unwrap_or_default());
        out.truncate(start + n - 4);
        out.extend_from_slice(&<[u8; 4]>::try_from(&b[n - 4..]).unwrap_or_default());
    } else if n < 4 {
        for &x in b {
            out.push(x);
        }
    } else {
        out.extend_from_slice(b);
    }
}

/// Formats rows `rows` of one column into `text`, each field followed by `sep` (nothing before
/// it for a null), and pushes where each field's separator ends onto `ends`.
type ColumnWriter<'a> = Box<dyn Fn(std::ops::Range<usize>, u8, &mut Vec<u8>, &mut Vec<usize>) + 'a>;

/// Rows formatted column by column before they are put together (see [`csv_rows`]).
const CSV_TILE_ROWS: usize = 256;

/// The rows of `batch` as CSV lines. The types the tables use are written directly: integers
/// in decimal, floats as the shortest text that reads back to the same value (`ryu`, as
/// Arrow's CSV writer does), dates as `YYYY-MM-DD`, booleans as `true`/`false`, nulls empty;
/// any other type goes through Arrow's formatter. The bytes are those of Arrow's CSV writer
/// with the `csv` crate's necessary quoting (tested), at several times its speed (measured on
/// the 1M-customer table: see `scripts/bench.sh`).
///
/// A tile of [`CSV_TILE_ROWS`] rows is formatted one column at a time (each column's values read
/// in order, one loop per column type with no call per value) into small per-column buffers,
/// then the lines are put together from them. Formatting row by row went through one indirect
/// call per field and read the 42 columns of the customer table side by side, more streams
/// than the prefetcher follows.
fn csv_rows(batch: &RecordBatch, out: &mut Vec<u8>) -> Result<()> {
    let opts = FormatOptions::default().with_null("").with_date_format(Some("%Y-%m-%d"));
    let writers = batch.columns().iter().map(|c| field_writer(c.as_ref(), &opts)).collect::<Result<Vec<_>>>()?;
    let n_cols = writers.len();
    let mut texts: Vec<Vec<u8>> = vec![Vec::new(); n_cols];
    let mut ends: Vec<Vec<usize>> = vec![Vec::with_capacity(CSV_TILE_ROWS); n_cols];
    let mut from = vec![0usize; n_cols];
    let n = batch.num_rows();
    for tile in (0..n).step_by(CSV_TILE_ROWS) {
        let rows = tile..n.min(tile + CSV_TILE_ROWS);
        let mut bytes = 0;
        for (k, w) in writers.iter().enumerate() {
            texts[k].clear();
            ends[k].clear();
            w(rows.clone(), if k + 1 == n_cols { b'\n' } else { b',' }, &mut texts[k], &mut ends[k]);
            bytes += texts[k].len();
            // slack after the last field, for the fixed-size copies of `copy_field`
            let padded = texts[k].len() + FIELD_COPY;
            texts[k].resize(padded, 0);
        }
        out.reserve(bytes + FIELD_COPY);
        from.fill(0);
        for r in 0..rows.len() {
            for ((text, ends), from) in texts.iter().zip(&ends).zip(from.iter_mut()) {
                let end = ends[r];
                copy_field(out, &text[*from..], end - *from);
                *from = end;
            }
        }
    }
    Ok(())
}

/// Bytes [`copy_field`] copies at once.
const FIELD_COPY: usize = 32;

/// Appends the first `n` bytes of `text` (which holds at least [`FIELD_COPY`] bytes): a field of
/// up to that many bytes (nearly all) is copied as one fixed-size block and the surplus cut off
/// again, with no branch on its length. Putting the lines together went through [`append`]'s
/// branches on each field's length, which the varying widths of numbers mispredict.
#[inline(always)]
fn copy_field(out: &mut Vec<u8>, text: &[u8], n: usize) {
    if n <= FIELD_COPY {
        let start = out.len();
        out.extend_from_slice(&<[u8; FIELD_COPY]>::try_from(&text[..FIELD_COPY]).unwrap_or([0; FIELD_COPY]));
        out.truncate(start + n);
    } else {
        out.extend_from_slice(&text[..n]);
    }
}

/// A [`ColumnWriter`] that writes each valid value `i` with `write(i, text)`: one loop without
/// validity checks when the column has no nulls.
fn column_writer<'a>(nulls: Option<&'a NullBuffer>, write: impl Fn(usize, &mut Vec<u8>) + 'a) -> ColumnWriter<'a> {
    match nulls.filter(|n| n.null_count() > 0) {
        None => Box::new(move |rows, sep, text: &mut Vec<u8>, ends: &mut Vec<usize>| {
            for i in rows {
                write(i, text);
                text.push(sep);
                ends.push(text.len());
            }
        }),
        Some(nulls) => Box::new(move |rows, sep, text: &mut Vec<u8>, ends: &mut Vec<usize>| {
            for i in rows {
                if nulls.is_valid(i) {
                    write(i, text);
                }
                text.push(sep);
                ends.push(text.len());
            }
        }),
    }
}

fn field_writer<'a>(c: &'a dyn Array, opts: &FormatOptions<'a>) -> Result<ColumnWriter<'a>> {
    // a primitive column, each valid value written by `$write(value, out)`: integers in decimal
    // (`write_u64`, as itoa), floats as their shortest round-trip text (ryu, as Arrow)
    macro_rules! primitive {
        ($t:ty, $write:expr) => {{
            let a = c.as_primitive::<$t>();
            let values = a.values();
            column_writer(a.nulls(), move |i, out: &mut Vec<u8>| $write(values[i], out))
        }};
    }
    Ok(match c.data_type() {
        DataType::Utf8 => {
            let a = c.as_string::<i32>();
            // one look at all of the column's text: labels and ids never need quotes, and then
            // each value is copied as it is
            let offsets = a.value_offsets();
            let text = &a.value_data()[offsets[0].as_usize()..offsets[a.len()].as_usize()];
            if needs_quotes(text) {
                column_writer(a.nulls(), move |i, out: &mut Vec<u8>| csv_text(a.value(i), out))
            } else {
                column_writer(a.nulls(), move |i, out: &mut Vec<u8>| append(out, a.value(i).as_bytes()))
            }
        }
        DataType::Dictionary(key, value) if **key == DataType::UInt16 && **value == DataType::Utf8 => {
            // each label's field text (quoted where needed) made once; a row copies its label's
            let d = c.as_dictionary::<UInt16Type>();
            let labels = d.values().as_string::<i32>();
            let text: Vec<Vec<u8>> = (0..labels.len())
                .map(|j| {
                    let mut b = Vec::new();
                    if labels.is_valid(j) {
                        csv_text(labels.value(j), &mut b);
                    }
                    b
                })
                .collect();
            let keys = d.keys();
            let values = keys.values();
            column_writer(keys.nulls(), move |i, out: &mut Vec<u8>| append(out, &text[usize::from(values[i])]))
        }
        DataType::Int64 => primitive!(Int64Type, write_i64),
        DataType::Int32 => primitive!(Int32Type, |v: i32, out: &mut Vec<u8>| write_i64(i64::from(v), out)),
        DataType::UInt64 => primitive!(UInt64Type, write_u64),
        DataType::UInt32 => primitive!(UInt32Type, |v: u32, out: &mut Vec<u8>| write_u64(u64::from(v), out)),
        DataType::Float64 => {
            let a = c.as_primitive::<Float64Type>();
            let values = a.values();
            let text = std::cell::RefCell::new(FloatText::default());
            column_writer(a.nulls(), move |i, out: &mut Vec<u8>| text.borrow_mut().write(values[i], out))
        }
        DataType::Float32 => {
            primitive!(Float32Type, |v: f32, out: &mut Vec<u8>| append(out, ryu::Buffer::new().format(v).as_bytes()))
        }
        DataType::Boolean => {
            let a = c.as_boolean();
            let values = a.values();
            column_writer(a.nulls(), move |i, out: &mut Vec<u8>| {
                out.extend_from_slice(if values.value(i) { b"true" } else { b"false" });
            })
        }
        DataType::Date32 => {
            let a = c.as_primitive::<Date32Type>();
            let values = a.values();
            let general = ArrayFormatter::try_new(c, opts)?;
            column_writer(a.nulls(), move |i, out: &mut Vec<u8>| {
                let (y, m, d) = crate::parse::civil_from_days(values[i]);
                if (0..=9999).contains(&y) {
                    // into the output directly (see `write_u64`)
                    let y = y as usize;
                    let at = out.len();
                    out.resize(at + 10, b'-');
                    let f = &mut out[at..at + 10];
                    f[..2].copy_from_slice(pair(y / 100));
                    f[2..4].copy_from_slice(pair(y % 100));
                    f[5..7].copy_from_slice(pair(m as usize));
                    f[8..].copy_from_slice(pair(d as usize));
                } else {
                    csv_text(&general.value(i).to_string(), out);
                }
            })
        }
        _ => {
            let general = ArrayFormatter::try_new(c, opts)?;
            // the formatter writes nulls as empty text itself
            column_writer(None, move |i, out: &mut Vec<u8>| csv_text(&general.value(i).to_string(), out))
        }
    })
}

/// The decimal digits of `0..100`, two by two.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// The two digits of `v < 100`.
#[inline]
fn pair(v: usize) -> &'static [u8] {
    &PAIRS[2 * v..2 * v + 2]
}

/// Writes `v` in decimal, byte for byte what `itoa` writes (tested), straight into `out`.
///
/// Why not `itoa`: it writes the digits into a buffer on the stack two bytes at a time, and
/// copying them out reads that buffer back in wider loads, which wait for the small stores to
/// retire (a store-forwarding stall); that copy was the hottest instruction of the CSV writer.
#[inline]
fn write_u64(mut v: u64, out: &mut Vec<u8>) {
    // one or two digits (scores, counts, many day counts): no sizing of the output
    if v < 10 {
        out.push(b'0' + v as u8);
        return;
    }
    if v < 100 {
        out.extend_from_slice(pair(v as usize));
        return;
    }
    let n = v.checked_ilog10().map_or(1, |l| l as usize + 1);
    let at = out.len();
    out.resize(at + n, b'0');
    let digits = &mut out[at..at + n];
    let mut end = n;
    while v >= 100 {
        digits[end - 2..end].copy_from_slice(pair((v % 100) as usize));
        v /= 100;
        end -= 2;
    }
    if v >= 10 {
        digits[..2].copy_from_slice(pair(v as usize));
    } else {
        digits[0] = b'0' + v as u8;
    }
}

/// Writes `v` in decimal, as [`write_u64`].
#[inline]
fn write_i64(v: i64, out: &mut Vec<u8>) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(v.unsigned_abs(), out);
}

/// Writes `v` as its shortest round-trip text, byte for byte what `ryu` writes (tested), when
/// `v` is a decimal of at most four places (returning whether it wrote).
///
/// Most floats in our tables are rounded to 4 decimals (money, shares, averages). When `v` is
/// the double nearest to `k / 10^4` for an integer `k` with at most 15 digits, that decimal is
/// its shortest round-trip text (decimals of 15 or fewer significant digits map to distinct
/// doubles, so no shorter one reads back as `v`), and ryu writes it in plain notation for
/// `1e-4 <= |v| < 1e11`: the integer part, a point, the fraction without trailing zeros, or
/// `.0` for a whole number. That is integer formatting; anything else (zeros, other values,
/// NaN, infinities) is left to ryu ([`FloatText`]).
fn write_decimals(v: f64, out: &mut Vec<u8>) -> bool {
    let m = v.abs();
    if !(1e-4..1e11).contains(&m) {
        return false;
    }
    // rounded by adding a half and truncating (`f64::round` is a call into libm on baseline
    // x86-64); a value this misses by an ulp fails the test below and goes to ryu
    let k = (m * 10_000.0 + 0.5) as u64;
    if k as f64 / 10_000.0 != m {
        return false;
    }
    if v < 0.0 {
        out.push(b'-');
    }
    write_u64(k / 10_000, out);
    out.push(b'.');
    let frac = (k % 10_000) as usize;
    if frac == 0 {
        out.push(b'0');
    } else {
        // the four decimals, then their trailing zeros cut
        let at = out.len();
        out.resize(at + 4, b'0');
        out[at..at + 2].copy_from_slice(pair(frac / 100));
        out[at + 2..at + 4].copy_from_slice(pair(frac % 100));
        let zeros = if frac.is_multiple_of(1000) {
            3
        } else if frac.is_multiple_of(100) {
            2
        } else {
            usize::from(frac.is_multiple_of(10))
        };
        out.truncate(at + 4 - zeros);
    }
    true
}

/// Writes floats as their shortest round-trip text, byte for byte what `ryu` writes (tested):
/// [`write_decimals`] where it applies, else ryu's text, remembered by bit pattern in a small
/// direct-mapped table (made at the first such value). Most values left to ryu come from
/// columns with few distinct values (the BTYD ages in weeks, `t_x` and `T`: whole days / 7),
/// and ryu takes about 500 instructions for such a 17-digit number (5% of the CSV writer's
/// samples on the bench job), a table hit a few. (Six-place values, the channel shares, went
/// through an integer path too in a trial: no fewer instructions in all, so they stay with ryu.)
#[derive(Default)]
struct FloatText {
    /// Per slot: the value's bits, its text (ryu's is at most 24 bytes) and the text's length
    /// (0: empty slot).
    memo: Vec<(u64, [u8; 24], u8)>,
}

impl FloatText {
    /// Slots of the table (a power of two).
    const SLOTS: usize = 1024;

    fn write(&mut self, v: f64, out: &mut Vec<u8>) {
        if write_decimals(v, out) {
            return;
        }
        if self.memo.is_empty() {
            self.memo = vec![(0, [0; 24], 0); Self::SLOTS];
        }
        let bits = v.to_bits();
        // the top bits of a multiplicative hash
        let slot = &mut self.memo[(bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 54) as usize];
        if slot.2 == 0 || slot.0 != bits {
            let mut buffer = ryu::Buffer::new();
            let text = buffer.format(v).as_bytes();
            let Some(room) = slot.1.get_mut(..text.len()) else {
                append(out, text);
                return;
            };
            room.copy_from_slice(text);
            slot.0 = bits;
            slot.2 = text.len() as u8;
        }
        append(out, &slot.1[..usize::from(slot.2)]);
    }
}

/// Bytes [`write_csv`] writes between syncs of a large file.
const SYNC_BYTES: usize = 64 << 20;

/// Rows per slice formatted by one thread in [`write_csv`].
const CSV_SLICE_ROWS: usize = 16_384;

impl Sink {
    /// Writes batches as Parquet (zstd).
    ///
    /// The columns of each row group are encoded on every core (each column's pages are independent
    /// of the others') and appended in schema order. Row groups are cut where [`ArrowWriter`] cuts
    /// them (every `max_row_group_row_count` rows), each column gets the same values in the same
    /// calls, and the file starts from an [`ArrowWriter`] (its header and embedded Arrow schema), so
    /// the bytes are those of writing the batches through [`ArrowWriter`] (tested).
    ///
    /// # Errors
    /// I/O and Parquet errors, naming the file.
    pub fn parquet(self, path: &Path, schema: Arc<Schema>, batches: &[RecordBatch]) -> Result<()> {
        let props = parquet_properties(&schema, batches);
        self.atomic(path, |w| encode_parquet(w, schema, batches, props).map_err(|e| parquet_err(path, e)))
    }
}

/// [`Sink::parquet`] into any writer, with the given settings.
fn encode_parquet<W: Write + Send>(
    w: W,
    schema: Arc<Schema>,
    batches: &[RecordBatch],
    props: WriterProperties,
) -> std::result::Result<(), ParquetError> {
    let group_rows = props.max_row_group_row_count().unwrap_or(usize::MAX).max(1);
    // dictionary columns are written as the plain text they stand for: the file (and the Arrow
    // schema it embeds) is that of the batches cast to text; the encoder reads each row's label
    // through the dictionary
    let schema = file_schema(&schema);
    let (mut file, factory) = ArrowWriter::try_new(w, Arc::clone(&schema), Some(props))?.into_serialized_writer()?;
    for (index, group) in row_groups(batches, group_rows).iter().enumerate() {
        let mut writers = factory.create_column_writers(index)?.into_iter();
        // the writers of each field: one per leaf column (one for the flat tables we write)
        let mut per_field = Vec::with_capacity(schema.fields().len());
        for (k, field) in schema.fields().iter().enumerate() {
            let leaves = compute_leaves(field, &group[0].column(k).slice(0, 0))?.len();
            per_field.push((k, field, writers.by_ref().take(leaves).collect::<Vec<_>>()));
        }
        let encoded: Vec<std::result::Result<Vec<ArrowColumnChunk>, ParquetError>> = per_field
            .into_par_iter()
            .map(|(k, field, mut leaf_writers)| {
                for slice in group {
                    for (writer, leaf) in leaf_writers.iter_mut().zip(compute_leaves(field, slice.column(k))?) {
                        writer.write(&leaf)?;
                    }
                }
                leaf_writers.into_iter().map(ArrowColumnWriter::close).collect()
            })
            .collect();
        let mut row_group = file.next_row_group()?;
        for chunks in encoded {
            for chunk in chunks? {
                chunk.append_to_row_group(&mut row_group)?;
            }
        }
        row_group.close()?;
    }
    file.close()?;
    Ok(())
}

/// `schema` with each `Dictionary(_, Utf8)` field as `Utf8`.
fn file_schema(schema: &Schema) -> Arc<Schema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Dictionary(_, value) if **value == DataType::Utf8 => {
                f.as_ref().clone().with_data_type(DataType::Utf8)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// The Parquet writer's settings: zstd, the rest Arrow's defaults, except that a text column
/// whose values increase row by row (the customer id: all distinct) has no dictionary, and that
/// a text column gets min/max statistics only when its values are in order (like the customer
/// id, by which the tables are sorted: then the page index lets a reader skip to an id). Over
/// unordered text (labels) every page's range spans nearly all values, so the statistics prune
/// nothing, while computing them (a string comparison per value) took a quarter of the writer's
/// time on the 1M-customer table (1.3 s -> 1.0 s, `crates/data` write bench in the commit log).
fn parquet_properties(schema: &Schema, batches: &[RecordBatch]) -> WriterProperties {
    let mut props = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default()));
    for (k, field) in file_schema(schema).fields().iter().enumerate() {
        if field.data_type() != &DataType::Utf8 {
            continue;
        }
        let path = || ColumnPath::from(field.name().as_str());
        match text_order(batches, k) {
            TextOrder::Unordered => props = props.set_column_statistics_enabled(path(), EnabledStatistics::None),
            // every value distinct (the customer ids): a dictionary would only cost the interning
            // of each value until the writer gives it up at the page limit
            TextOrder::Increasing => props = props.set_column_dictionary_enabled(path(), false),
            TextOrder::NonDecreasing => {}
        }
    }
    props.build()
}

/// How the values of a text column run.
#[derive(Debug, PartialEq)]
enum TextOrder {
    /// No nulls, each value greater than the one before (so all distinct).
    Increasing,
    /// No nulls, never decreasing.
    NonDecreasing,
    /// Anything else.
    Unordered,
}

/// How text column `k` of the batches runs (byte order).
fn text_order(batches: &[RecordBatch], k: usize) -> TextOrder {
    let mut last: Option<&str> = None;
    let mut strict = true;
    for b in batches {
        let Some(a) = b.column(k).as_string_opt::<i32>() else { return TextOrder::Unordered };
        if a.null_count() > 0 {
            return TextOrder::Unordered;
        }
        for v in a.iter().flatten() {
            match last.map(|l| l.cmp(v)) {
                Some(std::cmp::Ordering::Greater) => return TextOrder::Unordered,
                Some(std::cmp::Ordering::Equal) => strict = false,
                _ => {}
            }
            last = Some(v);
        }
    }
    if strict { TextOrder::Increasing } else { TextOrder::NonDecreasing }
}

/// The batches' rows cut into row groups of `group_rows` rows (the last may be shorter), each a
/// list of non-empty slices, as [`ArrowWriter`] cuts them.
fn row_groups(batches: &[RecordBatch], group_rows: usize) -> Vec<Vec<RecordBatch>> {
    let mut groups: Vec<Vec<RecordBatch>> = Vec::new();
    let mut filled = group_rows; // rows in the last group: start a new one at the first row
    for batch in batches {
        let mut offset = 0;
        while offset < batch.num_rows() {
            if filled == group_rows {
                groups.push(Vec::new());
                filled = 0;
            }
            let take = (group_rows - filled).min(batch.num_rows() - offset);
            groups.last_mut().expect("a group was pushed").push(batch.slice(offset, take));
            filled += take;
            offset += take;
        }
    }
    groups
}

fn parquet_err(path: &Path, e: ParquetError) -> DataError {
    DataError::Unreadable { path: path.to_path_buf(), message: format!("parquet: {e}") }
}

impl Sink {
    /// Writes a value as pretty JSON with a trailing newline.
    ///
    /// # Errors
    /// I/O errors naming the file.
    pub fn json<T: serde::Serialize>(self, path: &Path, value: &T) -> Result<()> {
        self.atomic(path, |w| {
            serde_json::to_writer_pretty(&mut *w, value).map_err(|e| DataError::Io {
                action: "write",
                path: path.to_path_buf(),
                source: e.into(),
            })?;
            writeln!(w).map_err(DataError::io("write", path))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The float writer's integer path writes exactly what ryu writes: values on a 1e-4 grid
    /// across the magnitudes it takes, the edges of its range, values just off the grid, and
    /// seeded random doubles.
    #[test]
    fn float_text_equals_ryu() {
        let mut rng = custseg_core::math::Rng::new(7);
        let mut values = vec![
            0.0,
            -0.0,
            1e-4,
            -1e-4,
            0.99999e-4,
            1e11,
            99_999_999_999.999_9,
            1e11 - 1e-3,
            999_999_999.999_999,
            1e9,
            1e9 + 1e-4,
            0.000_123,
            0.149_949,
            0.1,
            0.3,
            1.0,
            10.0,
            123.0,
            89.81,
            0.4276,
            50.0,
            2.5e-4,
            0.0001 + 1e-12,
            21.428571428571427,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
            5e-324,
        ];
        for scale in [1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6, 1e8, 1e10, 1e11, 1e12] {
            for _ in 0..20_000 {
                let k = (rng.uniform() * scale * 10_000.0).round();
                let v = k / 10_000.0;
                values.extend([v, -v, v + 1e-9, v * (1.0 + f64::EPSILON), f64::from_bits(v.to_bits() + 1)]);
                // on the six-place grid too (the channel shares)
                let v = (rng.uniform() * scale * 1e6).round() / 1e6;
                values.extend([v, -v, f64::from_bits(v.to_bits() + 1), f64::from_bits(v.to_bits().saturating_sub(1))]);
                values.push(rng.uniform() * scale);
                values.push(f64::from_bits(rng.next_u64()));
            }
        }
        // twice through one writer: the second time ryu's texts come from its table (with
        // collisions: far more values than slots), days / 7 as the BTYD ages are among them
        values.extend((0..5_000).map(|d| f64::from(d) / 7.0));
        let mut text = FloatText::default();
        let mut ours = Vec::new();
        for v in values.iter().chain(&values) {
            ours.clear();
            text.write(*v, &mut ours);
            assert_eq!(std::str::from_utf8(&ours).ok(), Some(ryu::Buffer::new().format(*v)), "{v:e}");
        }
    }

    /// The short-copy path appends what `extend_from_slice` appends, at every length it splits
    /// on, onto buffers of any length; `needs_quotes` finds each special byte anywhere.
    #[test]
    fn integers_as_itoa_writes_them() {
        let mut values: Vec<i64> = vec![0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, i64::MAX, i64::MIN, i64::MIN + 1];
        let mut p = 1i64;
        while let Some(q) = p.checked_mul(10) {
            values.extend([p - 1, p, p + 1, -p, -(p - 1), q - 1]);
            p = q;
        }
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            values.push((rng as i64) >> (rng % 64));
        }
        for v in values {
            let mut ours = b"x".to_vec();
            write_i64(v, &mut ours);
            assert_eq!(&ours[1..], itoa::Buffer::new().format(v).as_bytes(), "{v}");
            let u = v as u64;
            ours.clear();
            write_u64(u, &mut ours);
            assert_eq!(ours, itoa::Buffer::new().format(u).as_bytes(), "{u}");
        }
    }

    #[test]
    fn append_equals_extend() {
        let source: Vec<u8> = (0u8..40).map(|b| b'a' + b % 26).collect();
        for prefix in 0..5 {
            for n in 0..=source.len() {
                let mut ours: Vec<u8> = vec![b'#'; prefix];
                let mut std = ours.clone();
                append(&mut ours, &source[..n]);
                std.extend_from_slice(&source[..n]);
                assert_eq!(ours, std, "prefix {prefix}, length {n}");
            }
        }
        for special in [b',', b'"', b'\n', b'\r'] {
            for at in 0..40 {
                let mut text = source.clone();
                text[at] = special;
                assert!(needs_quotes(&text), "{special} at {at}");
            }
        }
        assert!(!needs_quotes(&source) && !needs_quotes(b"") && !needs_quotes("客户 甲;#".as_bytes()));
    }

    /// Columns encoded in parallel give the bytes of Arrow's sequential Parquet writer: several
    /// batches (one empty) cut into row groups across batch boundaries, nulls, text, dates, and
    /// a dictionary column, written as the text it stands for.
    #[test]
    fn parallel_parquet_equals_sequential() {
        let table = |n: usize, shift: usize| {
            let mut t = Table::default();
            t.push("id", Column::Str((0..n).map(|i| Some(format!("c{}", i + shift))).collect()));
            t.push("x", Column::Float((0..n).map(|i| (i % 7 != 0).then_some((i + shift) as f64 / 3.0)).collect()));
            t.push("d", Column::Date((0..n).map(|i| (i % 11 != 0).then_some((i % 400) as i32)).collect()));
            t.push("k", Column::Int((0..n).map(|i| Some((i % 13) as i64)).collect()));
            let labels = vec!["low".to_string(), "mid".to_string(), "high".to_string()];
            t.push(
                "tier",
                Column::Codes { labels, codes: (0..n).map(|i| (i % 9 != 0).then_some((i % 3) as u16)).collect() },
            );
            t.into_batch().unwrap_or_else(|e| panic!("{e}"))
        };
        let batches = vec![table(2_500, 0), table(0, 0), table(1_700, 9_000), table(3, 20_000)];
        let schema = batches[0].schema();
        for group_rows in [1_000, 4_203, 1 << 20] {
            let props = || {
                WriterProperties::builder()
                    .set_compression(Compression::ZSTD(ZstdLevel::default()))
                    .set_max_row_group_row_count(Some(group_rows))
                    .build()
            };
            let mut ours = Vec::new();
            encode_parquet(&mut ours, Arc::clone(&schema), &batches, props()).unwrap_or_else(|e| panic!("{e}"));
            // Arrow's writer on the batches with the dictionary column cast to text
            let text_schema = file_schema(&schema);
            assert_eq!(text_schema.field(4).data_type(), &DataType::Utf8);
            let mut arrow = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut arrow, Arc::clone(&text_schema), Some(props()))
                .unwrap_or_else(|e| panic!("{e}"));
            for b in &batches {
                let columns = b
                    .columns()
                    .iter()
                    .zip(text_schema.fields())
                    .map(|(c, f)| datafusion::arrow::compute::cast(c, f.data_type()))
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .unwrap_or_else(|e| panic!("{e}"));
                let b = RecordBatch::try_new(Arc::clone(&text_schema), columns).unwrap_or_else(|e| panic!("{e}"));
                writer.write(&b).unwrap_or_else(|e| panic!("{e}"));
            }
            writer.close().unwrap_or_else(|e| panic!("{e}"));
            assert!(ours == arrow, "{group_rows} rows per group: {} bytes, Arrow {}", ours.len(), arrow.len());
        }
        // and with no rows at all
        let (mut ours, mut arrow) = (Vec::new(), Vec::new());
        encode_parquet(&mut ours, Arc::clone(&schema), &[], parquet_properties(&schema, &[]))
            .unwrap_or_else(|e| panic!("{e}"));
        ArrowWriter::try_new(&mut arrow, file_schema(&schema), Some(parquet_properties(&schema, &[])))
            .and_then(ArrowWriter::close)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(ours == arrow);
    }

    /// Text columns in order keep their min/max statistics, unordered or partly null ones drop
    /// them; other types keep theirs. Only text with every value distinct has no dictionary.
    #[test]
    fn parquet_statistics_kept_on_ordered_text_only() {
        use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut t = Table::default();
        t.push("id", Column::Str((0..500).map(|i| Some(format!("c{i:04}"))).collect()));
        t.push("tier", Column::Str((0..500).map(|i| Some(["low", "high", "mid"][i % 3].to_string())).collect()));
        t.push("note", Column::Str((0..500).map(|i| (i > 0).then(|| format!("n{i:04}"))).collect()));
        t.push("x", Column::Float((0..500).map(|i| Some(f64::from(i % 7))).collect()));
        let batch = t.into_batch().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.parquet");
        Sink::default()
            .parquet(&path, batch.schema(), &[batch.slice(0, 200), batch.slice(200, 300)])
            .unwrap_or_else(|e| panic!("{e}"));
        let file = File::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let reader = SerializedFileReader::new(file).unwrap_or_else(|e| panic!("{e}"));
        let group = reader.metadata().row_group(0);
        let has_stats: Vec<bool> = (0..4).map(|k| group.column(k).statistics().is_some()).collect();
        assert_eq!(has_stats, [true, false, false, true]);
        // the ids (all distinct, in order) are written without a dictionary, the rest with one
        let has_dictionary: Vec<bool> = (0..4).map(|k| group.column(k).dictionary_page_offset().is_some()).collect();
        assert_eq!(has_dictionary, [false, true, true, true]);
    }

    /// Slices formatted in parallel by our formatter give the bytes of Arrow's sequential CSV
    /// writer, for every column type the tables use and text that needs quoting.
    #[test]
    fn parallel_csv_equals_sequential() {
        use datafusion::arrow::array::{BooleanArray, UInt32Array};
        use datafusion::arrow::csv::WriterBuilder;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let n = 3 * CSV_SLICE_ROWS + 17;
        let texts = ["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere", "", " spaced ", "客户,甲", "#x"];
        let floats = [0.0, -0.0, 1.5, -2.25, 1e-7, 1e21, 123456.789, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
        let mut t = Table::default();
        t.push("id", Column::Str((0..n).map(|i| Some(format!("c{i}"))).collect()));
        t.push("x", Column::Float((0..n).map(|i| (i % 7 != 0).then_some(i as f64 / 3.0)).collect()));
        t.push("d", Column::Date((0..n).map(|i| (i % 11 != 0).then_some(i as i32 % 40_000 - 5_000)).collect()));
        t.push(
            "say, \"what\"",
            Column::Str((0..n).map(|i| (i % 5 != 0).then(|| texts[i % texts.len()].to_string())).collect()),
        );
        t.push("f", Column::Float((0..n).map(|i| Some(floats[i % floats.len()])).collect()));
        // labels as codes (a dictionary column), one needing quotes, some rows without
        let labels: Vec<String> = ["champions", "at, risk", "", "客户"].map(str::to_string).to_vec();
        t.push(
            "seg",
            Column::Codes { labels, codes: (0..n).map(|i| (i % 7 != 3).then_some((i % 4) as u16)).collect() },
        );
        t.push(
            "k",
            Column::Int(
                (0..n)
                    .map(|i| (i % 3 != 0).then_some(i as i64 * -7_919 + i64::from(i % 2 == 0) * i64::MAX / 3))
                    .collect(),
            ),
        );
        let b = t.into_batch().unwrap_or_else(|e| panic!("{e}"));
        let mut columns = b.columns().to_vec();
        columns.push(Arc::new((0..n).map(|i| (i % 4 != 0).then_some(i % 3 == 0)).collect::<BooleanArray>()));
        columns.push(Arc::new((0..n).map(|i| (i % 6 != 0).then_some(i as u32)).collect::<UInt32Array>()));
        let mut fields: Vec<Field> = b.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new("flag", DataType::Boolean, true));
        fields.push(Field::new("code", DataType::UInt32, true));
        let b = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("big.csv");
        Sink::default().csv(&path, &b.schema(), std::slice::from_ref(&b)).unwrap_or_else(|e| panic!("{e}"));
        let mut expected = Vec::new();
        let mut w = WriterBuilder::new().with_header(true).with_date_format("%Y-%m-%d".into()).build(&mut expected);
        w.write(&b).unwrap_or_else(|e| panic!("{e}"));
        drop(w);
        let got = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        if got != expected {
            let (g, e) = (String::from_utf8_lossy(&got), String::from_utf8_lossy(&expected));
            let at = g.lines().zip(e.lines()).position(|(a, b)| a != b).unwrap_or(0);
            panic!("line {at}:\n ours  {:?}\n arrow {:?}", g.lines().nth(at), e.lines().nth(at));
        }
        assert!(got.len() > n * 20);
    }

    /// Columns made straight from a function are the arrays the `Option` columns make: with
    /// nulls, and without (then without a validity bitmap).
    #[test]
    fn direct_columns_equal_option_columns() {
        let n = 1000;
        let ints: Vec<Option<i64>> = (0..n).map(|i| (i % 7 != 0).then_some(i as i64 * 3 - 500)).collect();
        let floats: Vec<Option<f64>> = (0..n).map(|i| Some(i as f64 / 7.0)).collect();
        let dates: Vec<Option<i32>> = (0..n).map(|i| (i % 5 != 1).then_some(i as i32 - 300)).collect();
        let codes: Vec<Option<u16>> = (0..n).map(|i| (i % 3 != 2).then_some((i % 4) as u16)).collect();
        let labels: Vec<String> = ["a", "b", "c", "d"].map(str::to_string).to_vec();
        let mut direct = BatchBuilder::default();
        direct.push_ints("i", n, |k| ints[k]);
        direct.push_floats("f", n, |k| floats[k]);
        direct.push_dates("d", n, |k| dates[k]);
        direct.push_codes("c", labels.clone(), n, |k| codes[k]);
        let mut via = BatchBuilder::default();
        via.push("i", Column::Int(ints.clone()));
        via.push("f", Column::Float(floats.clone()));
        via.push("d", Column::Date(dates.clone()));
        via.push("c", Column::Codes { labels, codes: codes.clone() });
        let (direct, via) = (direct.finish(), via.finish());
        let direct = direct.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Some(&direct), via.as_ref().ok());
        assert_eq!(direct.column(0).null_count(), ints.iter().filter(|v| v.is_none()).count());
        assert!(direct.column(1).nulls().is_none());
    }

    /// A file written again over itself holds the new bytes and no temporary file is left (on
    /// Linux the exchange path); a directory in the way is an error and stays as it was.
    #[test]
    fn replacing_a_file_leaves_the_new_one_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("x.csv");
        for text in ["old\n", "new, and longer\n"] {
            Sink::default()
                .atomic(&path, |w| w.write_all(text.as_bytes()).map_err(DataError::io("write", &path)))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(std::fs::read_to_string(&path).ok().as_deref(), Some(text));
        }
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["x.csv"]);
        let sub = dir.path().join("d");
        std::fs::create_dir(&sub).unwrap_or_else(|e| panic!("{e}"));
        assert!(Sink::default().atomic(&sub, |w| w.write_all(b"x").map_err(DataError::io("write", &sub))).is_err());
        assert!(sub.is_dir());
    }

    #[test]
    fn table_round_trips_through_csv_atomically() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut t = Table::default();
        t.push("id", Column::Str(vec![Some("a".into()), Some("b,c".into())]));
        t.push("n", Column::Int(vec![Some(1), None]));
        t.push("x", Column::Float(vec![Some(29.33), Some(0.5)]));
        t.push("d", Column::Date(vec![Some(9862), None]));
        let b = t.into_batch().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("t.csv");
        Sink::default().csv(&path, &b.schema(), std::slice::from_ref(&b)).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text, "id,n,x,d\na,1,29.33,1997-01-01\n\"b,c\",,0.5,\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        // flushed to disk first or not, the same file
        Sink::new(true).csv(&path, &b.schema(), std::slice::from_ref(&b)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), text);
        Sink::default().csv(&path, &b.schema(), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), "id,n,x,d\n");
    }
}
