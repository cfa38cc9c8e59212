//! A log's baskets, their items from the column `[basket] item` picks.

use custseg_data::baskets::{ItemColumn, Orders, from_kept};
use custseg_data::ingest::Ingested;
use custseg_data::mapping::Role;

use super::ItemKind;
use crate::error::{EngineError, Result};

/// The baskets of a log's kept rows, their items the products, else the categories (`auto`), or
/// the column `kind` names; `None` when `kind` is `auto` and the log has neither column.
///
/// # Errors
/// [`EngineError::Invalid`] when `kind` names a column the log lacks.
pub fn orders_of(kind: ItemKind, input: &Ingested) -> Result<Option<Orders>> {
    let map = &input.column_map;
    let (product, category) = (map.get(Role::Product).is_some(), map.get(Role::Category).is_some());
    let column = match kind {
        ItemKind::Product | ItemKind::Auto if product => ItemColumn::Product,
        ItemKind::Category | ItemKind::Auto if category => ItemColumn::Category,
        ItemKind::Auto => return Ok(None),
        ItemKind::Product => {
            return Err(EngineError::Invalid(
                "the baskets' items are products, but the log has no product column (map one with --map product=COLUMN)"
                    .into(),
            ));
        }
        ItemKind::Category => return Err(no_items()),
    };
    Ok(Some(from_kept(&input.kept, &input.names, column)))
}

/// The error of a log with no column to take items from.
pub fn no_items() -> EngineError {
    EngineError::Invalid(
        "the log has no product or category column for baskets (map one with --map product=COLUMN)".into(),
    )
}
