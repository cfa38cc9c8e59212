//! Which column a log's baskets take their items from.

use custseg_data::baskets::ItemColumn;

use super::ItemKind;
use crate::error::{EngineError, Result};

/// The item column `kind` picks among the log's columns.
///
/// # Errors
/// [`EngineError::Invalid`] when the log has no such column.
pub fn item_column(kind: ItemKind, has_product: bool, has_category: bool) -> Result<ItemColumn> {
    match kind {
        ItemKind::Product | ItemKind::Auto if has_product => Ok(ItemColumn::Product),
        ItemKind::Category | ItemKind::Auto if has_category => Ok(ItemColumn::Category),
        ItemKind::Product => Err(EngineError::Invalid(
            "the baskets' items are products, but the log has no product column (map one with --map product=COLUMN)"
                .into(),
        )),
        _ => Err(EngineError::Invalid(
            "the log has no product or category column for baskets (map one with --map product=COLUMN)".into(),
        )),
    }
}
