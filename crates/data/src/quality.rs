//! The quality report: every input row is kept, dated after an explicit as-of date, or rejected
//! with exactly one reason, and the counts add up (`rows_read = rows_kept + rows_after_as_of +
//! rows_rejected`, per file and in total).

use std::collections::BTreeMap;

use custseg_core::catalog::Msg;
use serde::Serialize;

use crate::mapping::ColumnMap;
use crate::parse::DateFormat;
use crate::source::{Encoding, Format};

/// Why a row was rejected. The id (`missing_customer_id`) is what rejects.csv and quality.json
/// carry. Checks run in the order listed; a row gets the first reason that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// A CSV row with bytes that are not valid in the file's encoding (UTF-8).
    InvalidText,
    /// A CSV row with more values than the header (an unquoted delimiter inside a value?).
    ExtraFields,
    /// A CSV row where a quote opens a value that is not closed within 100 lines or before the
    /// end of the file (a stray quote); the row is read as one line and rejected, and reading
    /// goes on at the next line.
    UnclosedQuote,
    /// A spreadsheet's total row (`合计`, `总计`, `Total`, `Grand total` as the customer id, or in
    /// a row without one): not a transaction.
    TotalRow,
    /// The customer id is empty.
    MissingCustomerId,
    /// The date is empty or not a valid date in the detected/given format.
    UnparseableDate,
    /// The amount (or quantity / unit price) is empty or not a number.
    UnparseableAmount,
    /// The amount is NaN, infinite, or beyond 1e14.
    NonFiniteAmount,
    /// The date is after the explicit as-of date. Such a row is not bad data: it is counted in
    /// `rows_after_as_of`, apart from the rejects, and not written to rejects.csv.
    DateAfterAsOf,
    /// With no explicit as-of date: dated more than a year after the rest of the data (a few
    /// rows, likely a typo year), which would otherwise decide the as-of date.
    OutlierDate,
    /// The amount is zero and zero amounts are rejected (`zero_amount = "reject"`).
    ZeroAmount,
    /// A return or cancellation, and `returns = "exclude"`.
    ReturnExcluded,
    /// Identical in every column to an earlier row, where the data has an order id (or with
    /// `--dedupe`).
    DuplicateRow,
}

impl RejectReason {
    /// Every reason in check order.
    pub const ALL: [RejectReason; 13] = [
        RejectReason::InvalidText,
        RejectReason::ExtraFields,
        RejectReason::UnclosedQuote,
        RejectReason::TotalRow,
        RejectReason::MissingCustomerId,
        RejectReason::UnparseableDate,
        RejectReason::UnparseableAmount,
        RejectReason::NonFiniteAmount,
        RejectReason::DateAfterAsOf,
        RejectReason::OutlierDate,
        RejectReason::ZeroAmount,
        RejectReason::ReturnExcluded,
        RejectReason::DuplicateRow,
    ];

    /// Stable id.
    pub fn id(self) -> &'static str {
        match self {
            RejectReason::InvalidText => "invalid_text",
            RejectReason::ExtraFields => "extra_fields",
            RejectReason::UnclosedQuote => "unclosed_quote",
            RejectReason::TotalRow => "total_row",
            RejectReason::MissingCustomerId => "missing_customer_id",
            RejectReason::UnparseableDate => "unparseable_date",
            RejectReason::UnparseableAmount => "unparseable_amount",
            RejectReason::NonFiniteAmount => "non_finite_amount",
            RejectReason::DateAfterAsOf => "date_after_as_of",
            RejectReason::OutlierDate => "outlier_date",
            RejectReason::ZeroAmount => "zero_amount",
            RejectReason::ReturnExcluded => "return_excluded",
            RejectReason::DuplicateRow => "duplicate_row",
        }
    }
}

/// What happened to one input file.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    /// The path as given.
    pub path: String,
    /// Its format.
    pub format: Format,
    /// CSV: encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<Encoding>,
    /// CSV: why that encoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_note: Option<Msg>,
    /// CSV: whether it started with a UTF-8 byte-order mark.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub bom: bool,
    /// CSV: the delimiter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Data rows read (header excluded).
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows dated after the explicit as-of date (not rejects: outside the period classified).
    pub rows_after_as_of: u64,
}

/// A row worth a look that was kept.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RowRef {
    /// File path.
    pub file: String,
    /// Line in a CSV file (header = line 1), else 1-based row number.
    pub line: u64,
    /// The value that drew attention.
    pub value: String,
}

/// The transaction quality report (quality.json).
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    /// Per file.
    pub files: Vec<FileReport>,
    /// Data rows read in total.
    pub rows_read: u64,
    /// Rows kept.
    pub rows_kept: u64,
    /// Rows rejected.
    pub rows_rejected: u64,
    /// Rows dated after the explicit as-of date: outside the period classified, not rejects.
    pub rows_after_as_of: u64,
    /// Rejected rows by reason id (every reason listed, zeros included).
    pub rejected_by_reason: BTreeMap<&'static str, u64>,
    /// Kept rows that are returns or cancellations (netted into monetary).
    pub returns_rows: u64,
    /// Their total amount (a positive number).
    pub returns_amount: f64,
    /// Kept rows with a zero amount (kept by default).
    pub zero_amount_rows_kept: u64,
    /// Rows identical to an earlier row that were kept (no order id and no `--dedupe`).
    pub duplicate_rows_kept: u64,
    /// Distinct row contents among them (a row repeated three times is one group, two rows).
    pub duplicate_groups: u64,
    /// Examples of those duplicates.
    pub duplicate_examples: Vec<RowRef>,
    /// Rows dated more than a year after the rest of the data: with the default as-of date,
    /// those set aside as `outlier_date`; with an explicit one, kept rows more than a year after
    /// the 99.9th percentile date (reported only).
    pub far_future_rows: u64,
    /// Examples of those rows.
    pub far_future_examples: Vec<RowRef>,
    /// Columns of the input (as in the first file).
    pub columns: Vec<String>,
    /// Column mapping used.
    pub column_map: ColumnMap,
    /// Date format used.
    pub date_format: DateFormat,
    /// First and last kept transaction date (ISO).
    pub first_date: Option<String>,
    /// Last kept transaction date (ISO).
    pub last_date: Option<String>,
    /// Warnings in words.
    pub warnings: Vec<Msg>,
}

impl QualityReport {
    /// Whether the counts add up, per file and in total.
    pub fn balanced(&self) -> bool {
        let by_reason: u64 = self.rejected_by_reason.values().sum();
        self.rows_read == self.rows_kept + self.rows_rejected + self.rows_after_as_of
            && by_reason == self.rows_rejected
            && self.files.iter().all(|f| f.rows_read == f.rows_kept + f.rows_rejected + f.rows_after_as_of)
            && self.files.iter().map(|f| f.rows_read).sum::<u64>() == self.rows_read
    }
}
