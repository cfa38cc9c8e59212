//! Column mapping: which input column plays which role. Names are matched case-insensitively
//! after removing spaces, `_`, `-` and `.`, against the synonyms below (English and Chinese).
//! `--map role=column` overrides detection. Two candidates for one role is an error, never a
//! silent pick.

use std::collections::BTreeMap;
use std::path::Path;

use custseg_core::catalog::Msg;
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
                "买家会员名",
                "买家昵称",
                "买家账号",
                "下单帐号",
                "下单账号",
                "会员卡号",
                "会员号",
                "customeruserid",
                "buyerid",
                "email",
                "customeremail",
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
                "订单付款时间",
                "付款时间",
                "支付时间",
                "付款确认时间",
                "订单创建时间",
                "创建时间",
                "下单日期",
                "paidat",
                "paymentdate",
                "createdat",
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
                "买家实际支付金额",
                "实际支付金额",
                "实收金额",
                "应付金额",
                "订单实付金额",
                "商品实际成交金额",
                "成交金额",
                "总金额",
                "结算金额",
                "netsales",
                "ordertotal",
            ],
            Role::Quantity => &[
                "quantity",
                "qty",
                "units",
                "数量",
                "购买数量",
                "销量",
                "宝贝总数量",
                "订购数量",
                "商品数量",
                "lineitemquantity",
                "itemssold",
            ],
            Role::UnitPrice => &["unitprice", "price", "单价", "价格", "商品单价", "lineitemprice", "itemcost"],
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
                "order#",
                "ordernum",
                "订单号码",
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
                "商品编码",
                "商品名称",
                "productname",
                "lineitemsku",
                "宝贝标题",
                "product(s)",
            ],
            Role::Category => {
                &["category", "productcategory", "品类", "类别", "商品类别", "类目", "商品类目", "商品分类", "分类"]
            }
            Role::Channel => &["channel", "saleschannel", "渠道", "销售渠道", "订单渠道", "订单来源"],
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
                "coupon",
                "coupons",
                "coupon(s)",
                "couponcode",
                "discountcode",
                "优惠券",
                "优惠金额合计",
            ],
        }
    }
}

/// The column for `role` among `columns` (those in `taken` excluded), with a note when it was
/// chosen among several by [`Role::preference`].
///
/// Personal data is never a role, but an e-mail address may be the customer id of an export
/// that has no other (Shopify's orders).
///
/// # Errors
/// [`DataError::AmbiguousColumn`] when several fit and the preference does not decide.
pub fn choose(
    role: Role,
    columns: &[String],
    taken: &[String],
    personal: &BTreeMap<String, PersonalData>,
    path: &Path,
) -> Result<Option<(String, Option<Msg>)>> {
    let allowed = |c: &String| match personal.get(c) {
        None => true,
        Some(PersonalData::Email) => role == Role::Customer,
        Some(_) => false,
    };
    let mut candidates: Vec<&String> = columns
        .iter()
        .filter(|c| !taken.contains(c) && allowed(c) && role.synonyms().contains(&normalize(c).as_str()))
        .collect();
    if role == Role::Customer && candidates.len() > 1 {
        candidates.retain(|c| !personal.contains_key(*c));
    }
    let rank = |c: &String| role.preference().iter().position(|p| *p == normalize(c));
    match candidates.len() {
        0 => Ok(None),
        1 => Ok(Some((candidates[0].clone(), None))),
        _ if candidates.iter().all(|c| rank(c).is_some()) => {
            let best = candidates.iter().min_by_key(|c| rank(c)).map(|c| (*c).clone()).unwrap_or_default();
            let others: Vec<String> = candidates.iter().filter(|c| **c != &best).map(|c| format!("`{c}`")).collect();
            let note = Msg::new("column_preferred")
                .arg("role", role.name())
                .arg("chosen", &best)
                .arg("others", others.join(", "));
            Ok(Some((best, Some(note))))
        }
        _ => Err(DataError::AmbiguousColumn {
            role: role.name(),
            path: path.to_path_buf(),
            candidates: candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
        }),
    }
}

impl Role {
    /// When several columns fit this role, the one to take: the first of them in this list
    /// (the others must be in it too; anything else is ambiguous). The date a customer paid
    /// comes before the date the order was created (an unpaid order is not a purchase yet), and
    /// the amount actually paid (line level first, where a line's own amount exists) before
    /// order totals and amounts due.
    pub fn preference(self) -> &'static [&'static str] {
        match self {
            Role::Date => &[
                "订单付款时间",
                "付款时间",
                "支付时间",
                "付款确认时间",
                "paidat",
                "paymentdate",
                "订单创建时间",
                "下单时间",
                "创建时间",
                "下单日期",
                "createdat",
                "订单日期",
                "orderdate",
                "交易时间",
                "交易日期",
                "date",
                "日期",
            ],
            Role::Amount => &[
                "商品实际成交金额",
                "实付金额",
                "买家实际支付金额",
                "实际支付金额",
                "订单实付金额",
                "支付金额",
                "实收金额",
                "应付金额",
                "成交金额",
                "netsales",
                "订单金额",
                "结算金额",
                "总金额",
                "ordertotal",
                "total",
                "totalamount",
                "amount",
            ],
            Role::Customer => &[
                "customerid",
                "客户id",
                "客户编号",
                "会员id",
                "会员编号",
                "买家会员名",
                "下单帐号",
                "下单账号",
                "买家账号",
                "买家昵称",
                "customeruserid",
                "customer",
                "email",
                "customeremail",
            ],
            Role::Product => &[
                "productid",
                "sku",
                "lineitemsku",
                "商品id",
                "商品编码",
                "商品编号",
                "商品名称",
                "宝贝标题",
                "productname",
                "product",
            ],
            Role::OrderId => &["orderid", "订单编号", "订单号", "invoiceno", "invoice", "ordernumber", "order#"],
            Role::Channel => &["订单渠道", "销售渠道", "渠道", "saleschannel", "channel", "订单来源"],
            // an amount says more than a code (a line with a code may have no discount)
            Role::Discount => &[
                "discountamount",
                "折扣金额",
                "优惠金额",
                "优惠金额合计",
                "discount",
                "折扣",
                "优惠",
                "discountcode",
                "couponcode",
                "coupon(s)",
                "coupon",
                "coupons",
                "优惠券",
            ],
            _ => &[],
        }
    }
}

/// What kind of personal data a column holds, recognised by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalData {
    /// A person's name.
    Name,
    /// A phone number.
    Phone,
    /// An e-mail address.
    Email,
    /// A postal address.
    Address,
    /// An identity document number.
    IdNumber,
}

impl PersonalData {
    /// The kind of personal data a column named `name` holds, if its name says so (收货人姓名,
    /// 联系手机, 收货地址, Billing Phone, email ...).
    pub fn of(name: &str) -> Option<PersonalData> {
        let n = normalize(name);
        let has = |parts: &[&str]| parts.iter().any(|p| n.contains(p));
        if has(&["身份证", "idcard", "idnumber", "passport", "护照"]) {
            Some(PersonalData::IdNumber)
        } else if has(&["email", "e-mail", "邮箱", "电子邮件"]) {
            Some(PersonalData::Email)
        } else if has(&["phone", "mobile", "手机", "电话"]) || n == "tel" || n.starts_with("tel") {
            Some(PersonalData::Phone)
        } else if has(&["address", "street", "地址", "住址", "zip", "postcode", "邮编"]) {
            Some(PersonalData::Address)
        } else if has(&[
            "姓名",
            "收货人",
            "收件人",
            "联系人",
            "提货人",
            "firstname",
            "lastname",
            "fullname",
            "billingname",
            "shippingname",
            "contactname",
            "客户姓名",
        ]) || n == "name"
        {
            Some(PersonalData::Name)
        } else {
            None
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
    /// Columns holding personal data, by name (never taken for a role, but an e-mail address
    /// when there is no other customer id).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub personal: BTreeMap<String, PersonalData>,
    /// Choices made among several fitting columns, in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Msg>,
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
        for c in columns {
            if let Some(kind) = PersonalData::of(c) {
                map.personal.insert(c.clone(), kind);
            }
        }
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
            let taken: Vec<String> = map.columns.values().cloned().collect();
            if let Some((column, note)) = choose(role, columns, &taken, &map.personal, path)? {
                map.notes.extend(note);
                map.columns.insert(role, column);
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

    /// Header rows of real exports (as the platforms write them) map without flags: customer,
    /// date and amount (or quantity and price), the payment date over the creation date, the
    /// amount paid over totals, and personal data never taken for the customer.
    #[test]
    fn common_exports_map_without_flags() {
        let p = Path::new("t.csv");
        let none = BTreeMap::new();
        let split = |h: &str| cols(&h.split(',').collect::<Vec<_>>());
        /// Export, header, customer, date, amount, quantity, unit price, personal data columns.
        type Case<'a> =
            (&'a str, &'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>, &'a [&'a str]);
        let cases: [Case<'_>; 8] = [
            (
                "Shopify orders",
                "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Phone,Receipt Number",
                "Email",
                "Paid at",
                Some("Total"),
                Some("Lineitem quantity"),
                Some("Lineitem price"),
                &["Billing Name", "Billing Phone", "Shipping Street", "Phone"],
            ),
            (
                "Taobao 订单报表",
                "订单编号,买家会员名,买家支付宝账号,买家应付货款,买家应付邮费,买家支付积分,总金额,返点积分,买家实际支付金额,买家实际支付积分,订单状态,买家留言,收货人姓名,收货地址,运送方式,联系电话,联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝种类,物流单号,物流公司,订单备注,宝贝总数量,店铺Id,店铺名称,订单关闭原因,卖家服务费,买家服务费,发票抬头,是否手机订单,退款金额",
                "买家会员名",
                "订单付款时间",
                Some("买家实际支付金额"),
                Some("宝贝总数量"),
                None,
                &["收货人姓名", "收货地址", "联系电话", "联系手机"],
            ),
            (
                "JD 订单导出",
                "订单号,商品ID,商品名称,订购数量,支付方式,下单时间,京东价,订单金额,结算金额,余额支付,应付金额,订单状态,订单类型,下单帐号,客户姓名,客户地址,联系电话,订单备注,发票类型,发票抬头,商家备注,运费金额,付款确认时间,订单完成时间,订单来源,订单渠道",
                "下单帐号",
                "付款确认时间",
                Some("应付金额"),
                Some("订购数量"),
                None,
                &["客户姓名", "客户地址", "联系电话"],
            ),
            (
                "Youzan 有赞",
                "订单号,下单时间,付款时间,订单状态,商品名称,商品规格,商品编码,商品数量,商品单价,商品实际成交金额,订单实付金额,买家昵称,买家手机号,收货人/提货人,收货人手机号/提货人手机号,详细收货地址/提货地址,买家备注,商品类目",
                "买家昵称",
                "付款时间",
                Some("商品实际成交金额"),
                Some("商品数量"),
                Some("商品单价"),
                &["买家手机号", "收货人/提货人", "详细收货地址/提货地址"],
            ),
            (
                "UCI Online Retail",
                "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
                "CustomerID",
                "InvoiceDate",
                None,
                Some("Quantity"),
                Some("UnitPrice"),
                &[],
            ),
            (
                "UCI Online Retail II",
                "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country",
                "Customer ID",
                "InvoiceDate",
                None,
                Some("Quantity"),
                Some("Price"),
                &[],
            ),
            (
                "WooCommerce analytics orders",
                "Date,Order #,Status,Customer,Customer type,Product(s),Items sold,Coupon(s),Net Sales,Attribution",
                "Customer",
                "Date",
                Some("Net Sales"),
                Some("Items sold"),
                None,
                &[],
            ),
            (
                "A Chinese shop's export",
                "订单号,会员ID,下单时间,实付金额,商品类目,收货人姓名,联系手机,收货地址",
                "会员ID",
                "下单时间",
                Some("实付金额"),
                None,
                None,
                &["收货人姓名", "联系手机", "收货地址"],
            ),
        ];
        for (name, header, customer, date, amount, quantity, price, personal) in cases {
            let m = ColumnMap::resolve(&split(header), &none, p).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(m.get(Role::Customer), Some(customer), "{name}");
            assert_eq!(m.get(Role::Date), Some(date), "{name}");
            assert_eq!(m.get(Role::Amount), amount, "{name}");
            assert_eq!(m.get(Role::Quantity), quantity, "{name}");
            assert_eq!(m.get(Role::UnitPrice), price, "{name}");
            for c in personal {
                assert!(m.personal.contains_key(*c), "{name}: {c} is personal data");
                assert!(!m.columns.values().any(|v| v == c), "{name}: {c} taken for a role");
            }
        }
        let youzan = ColumnMap::resolve(&split(cases[3].1), &none, p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(youzan.get(Role::Category), Some("商品类目"));
        assert!(youzan.notes.iter().any(|n| n.text.contains("`付款时间` over `下单时间`")), "{:?}", youzan.notes);
        let jd = ColumnMap::resolve(&split(cases[2].1), &none, p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(jd.get(Role::Channel), Some("订单渠道"));
        assert_eq!(jd.get(Role::OrderId), Some("订单号"));
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
