//! Column mapping: which input column plays which role. Names are matched case-insensitively
//! after removing spaces, `_`, `-` and `.`, against the synonyms below (English and Chinese).
//! `--map role=column` overrides detection. Two candidates for one role is an error, never a
//! silent pick.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{DataError, Result};

/// What a column means to custseg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Customer identifier (required).
    Customer,
    /// Transaction date (required).
    Date,
    /// Line or order amount (required unless quantity and unit price are both present).
    Amount,
    /// Units bought.
    Quantity,
    /// Price per unit (amount = quantity x unit price when no amount column exists).
    UnitPrice,
    /// Order / invoice id; rows of one order count as one purchase.
    OrderId,
    /// Product or SKU.
    Product,
    /// Product category.
    Category,
    /// Sales channel.
    Channel,
    /// Discount on the line (an amount, a rate, a flag or a promotion code): a row is
    /// discounted when the value is neither empty nor zero / false / no.
    Discount,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 10] = [
        Role::Customer,
        Role::Date,
        Role::Amount,
        Role::Quantity,
        Role::UnitPrice,
        Role::OrderId,
        Role::Product,
        Role::Category,
        Role::Channel,
        Role::Discount,
    ];

    /// The role's name as used in `--map` and messages.
    pub fn name(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Date => "date",
            Role::Amount => "amount",
            Role::Quantity => "quantity",
            Role::UnitPrice => "unit_price",
            Role::OrderId => "order_id",
            Role::Product => "product",
            Role::Category => "category",
            Role::Channel => "channel",
            Role::Discount => "discount",
        }
    }

    /// Parses a role name (also accepts `customer_id`, `order`, `price`).
    pub fn parse(s: &str) -> Option<Role> {
        let n = normalize(s);
        Role::ALL.into_iter().find(|r| normalize(r.name()) == n).or(match n.as_str() {
            "customerid" => Some(Role::Customer),
            "order" => Some(Role::OrderId),
            "price" => Some(Role::UnitPrice),
            _ => None,
        })
    }

    /// Normalised column names recognised for this role.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            Role::Customer => &[
                "customerid",
                "customer",
                "custid",
                "memberid",
                "clientid",
                "userid",
                "customerno",
                "customernumber",
                "客户id",
                "客户编号",
                "会员id",
                "会员编号",
                "客户名称",
                "客户",
                "用户id",
                "客户号",
            ],
            Role::Date => &[
                "orderdate",
                "date",
                "invoicedate",
                "transactiondate",
                "purchasedate",
                "txndate",
                "orderdatetime",
                "订单日期",
                "交易日期",
                "下单时间",
                "日期",
                "购买日期",
                "交易时间",
                "订单时间",
            ],
            Role::Amount => &[
                "amount",
                "revenue",
                "sales",
                "total",
                "totalamount",
                "salesamount",
                "orderamount",
                "lineamount",
                "value",
                "金额",
                "销售额",
                "实付金额",
                "订单金额",
                "消费金额",
                "交易金额",
                "支付金额",
            ],
            Role::Quantity => &["quantity", "qty", "units", "数量", "购买数量", "销量"],
            Role::UnitPrice => &["unitprice", "price", "单价", "价格"],
            Role::OrderId => &[
                "orderid",
                "invoiceno",
                "invoice",
                "orderno",
                "ordernumber",
                "invoiceid",
                "transactionid",
                "订单号",
                "订单编号",
                "订单id",
                "单号",
            ],
            Role::Product => &[
                "product",
                "productid",
                "sku",
                "stockcode",
                "itemid",
                "商品",
                "商品编号",
                "产品",
                "商品id",
                "产品编号",
            ],
            Role::Category => &["category", "productcategory", "品类", "类别", "商品类别", "类目"],
            Role::Channel => &["channel", "saleschannel", "渠道", "销售渠道"],
            Role::Discount => &[
                "discount",
                "discountamount",
                "discountamt",
                "discountvalue",
                "discounted",
                "ondiscount",
                "promotion",
                "promo",
                "ispromo",
                "折扣",
                "折扣金额",
                "优惠",
                "优惠金额",
                "促销",
            ],
        }
    }
}

/// Lowercase, without spaces, `_`, `-`, `.` and a BOM.
pub fn normalize(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '_' | '-' | '.' | '\u{feff}')).flat_map(char::to_lowercase).collect()
}

/// The resolved mapping: role -> column name (as in the file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ColumnMap {
    /// Mapped columns by role.
    pub columns: BTreeMap<Role, String>,
}

impl ColumnMap {
    /// The column for `role`, if mapped.
    pub fn get(&self, role: Role) -> Option<&str> {
        self.columns.get(&role).map(String::as_str)
    }

    /// Resolves the mapping of `columns` (the file's header): explicit `overrides` first, then
    /// synonyms for the remaining roles, skipping columns already taken.
    ///
    /// # Errors
    /// [`DataError::UnknownRole`] / [`DataError::UnknownColumn`] for a bad override,
    /// [`DataError::AmbiguousColumn`] when two columns fit one role,
    /// [`DataError::MissingColumn`] when customer, date, or amount (or quantity and unit price)
    /// cannot be found.
    pub fn resolve(columns: &[String], overrides: &BTreeMap<String, String>, path: &Path) -> Result<ColumnMap> {
        let found = || columns.join(", ");
        let mut map = ColumnMap::default();
        for (role_name, column) in overrides {
            let role = Role::parse(role_name).ok_or_else(|| DataError::UnknownRole {
                role: role_name.clone(),
                roles: Role::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", "),
            })?;
            let actual = columns
                .iter()
                .find(|c| *c == column)
                .or_else(|| columns.iter().find(|c| normalize(c) == normalize(column)))
                .ok_or_else(|| DataError::UnknownColumn {
                    role: role_name.clone(),
                    column: column.clone(),
                    path: path.to_path_buf(),
                    found: found(),
                })?;
            map.columns.insert(role, actual.clone());
        }
        for role in Role::ALL {
            if map.columns.contains_key(&role) {
                continue;
            }
            let taken: Vec<&String> = map.columns.values().collect();
            let candidates: Vec<&String> = columns
                .iter()
                .filter(|c| !taken.contains(c) && role.synonyms().contains(&normalize(c).as_str()))
                .collect();
            match candidates.len() {
                0 => {}
                1 => {
                    map.columns.insert(role, candidates[0].clone());
                }
                _ => {
                    return Err(DataError::AmbiguousColumn {
                        role: role.name(),
                        path: path.to_path_buf(),
                        candidates: candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                    });
                }
            }
        }
        let missing = |role: Role| DataError::MissingColumn {
            role: role.name(),
            path: path.to_path_buf(),
            looked_for: role.synonyms().iter().take(6).copied().collect::<Vec<_>>().join(", "),
            found: found(),
        };
        for role in [Role::Customer, Role::Date] {
            if !map.columns.contains_key(&role) {
                return Err(missing(role));
            }
        }
        let has = |r: Role| map.columns.contains_key(&r);
        if !(has(Role::Amount) || (has(Role::Quantity) && has(Role::UnitPrice))) {
            return Err(missing(Role::Amount));
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn detects_english_chinese_and_uci_headers() {
        let p = Path::new("t.csv");
        let none = BTreeMap::new();
        let m = ColumnMap::resolve(
            &cols(&[
                "InvoiceNo",
                "StockCode",
                "Description",
                "Quantity",
                "InvoiceDate",
                "UnitPrice",
                "CustomerID",
                "Country",
            ]),
            &none,
            p,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.get(Role::Customer), Some("CustomerID"));
        assert_eq!(m.get(Role::OrderId), Some("InvoiceNo"));
        assert_eq!(m.get(Role::UnitPrice), Some("UnitPrice"));
        assert_eq!(m.get(Role::Amount), None);
        let m = ColumnMap::resolve(&cols(&["客户ID", "订单日期", "实付金额", "渠道"]), &none, p)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.get(Role::Amount), Some("实付金额"));
        assert_eq!(m.get(Role::Channel), Some("渠道"));
    }

    #[test]
    fn ambiguity_missing_and_overrides() {
        let p = Path::new("t.csv");
        let none = BTreeMap::new();
        let c = cols(&["customer_id", "date", "amount", "sales"]);
        assert!(matches!(ColumnMap::resolve(&c, &none, p), Err(DataError::AmbiguousColumn { role: "amount", .. })));
        let over = BTreeMap::from([("amount".to_string(), "sales".to_string())]);
        let m = ColumnMap::resolve(&c, &over, p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.get(Role::Amount), Some("sales"));
        let err = ColumnMap::resolve(&cols(&["who", "date", "amount"]), &none, p);
        assert!(
            matches!(err, Err(DataError::MissingColumn { role: "customer", ref found, .. }) if found == "who, date, amount")
        );
        let over = BTreeMap::from([("customer".to_string(), "nope".to_string())]);
        assert!(matches!(ColumnMap::resolve(&c, &over, p), Err(DataError::UnknownColumn { .. })));
        let over = BTreeMap::from([("colour".to_string(), "date".to_string())]);
        assert!(matches!(ColumnMap::resolve(&c, &over, p), Err(DataError::UnknownRole { .. })));
    }
}
