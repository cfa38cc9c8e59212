//! The one catalog of display names: every built-in label id of every scheme, in Chinese and
//! English. Data files carry the stable ids; terminal output and reports use these names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Display language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// `zh` when the locale variables (`LC_ALL`, `LC_MESSAGES`, `LANG`, first one set) start with
    /// `zh`, else English.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(v) = std::env::var(var)
                && !v.is_empty()
            {
                return if v.to_ascii_lowercase().starts_with("zh") { Lang::Zh } else { Lang::En };
            }
        }
        Lang::En
    }

    /// Parses `zh` or `en` (case-insensitive; `zh-CN`, `en_US` and the like accepted).
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }
}

/// A display name in both languages (a label's or a scheme's), kept so that every reader can
/// show it in its own language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Names {
    /// English.
    pub en: String,
    /// Chinese.
    pub zh: String,
}

impl Names {
    /// Both names.
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Names {
        Names { en: en.into(), zh: zh.into() }
    }

    /// One name for both languages (a name the user gave).
    pub fn same(name: impl Into<String>) -> Names {
        let name = name.into();
        Names { en: name.clone(), zh: name }
    }

    /// The name in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        if lang == Lang::Zh { &self.zh } else { &self.en }
    }

    /// A built-in label's names from the catalog.
    pub fn of_label(scheme: &str, label: &str) -> Option<Names> {
        Some(Names::new(label_name(scheme, label, Lang::En)?, label_name(scheme, label, Lang::Zh)?))
    }

    /// A built-in scheme's names from the catalog.
    pub fn of_scheme(scheme: &str) -> Option<Names> {
        Some(Names::new(scheme_name(scheme, Lang::En)?, scheme_name(scheme, Lang::Zh)?))
    }
}

impl From<&str> for Names {
    fn from(name: &str) -> Names {
        Names::same(name)
    }
}

/// `(scheme, label id, English, Chinese)` for every built-in label.
const LABELS: &[(&str, &str, &str, &str)] = &[
    ("rfm_segment", "champions", "Champions", "冠军客户"),
    ("rfm_segment", "loyal", "Loyal", "忠诚客户"),
    ("rfm_segment", "potential_loyalist", "Potential Loyalist", "潜在忠诚客户"),
    ("rfm_segment", "new_customers", "New Customers", "新客户"),
    ("rfm_segment", "promising", "Promising", "有潜力客户"),
    ("rfm_segment", "need_attention", "Need Attention", "需要关注客户"),
    ("rfm_segment", "about_to_sleep", "About To Sleep", "即将沉睡客户"),
    ("rfm_segment", "at_risk", "At Risk", "有流失风险客户"),
    ("rfm_segment", "cant_lose_them", "Can't Lose Them", "不能失去的客户"),
    ("rfm_segment", "hibernating", "Hibernating", "休眠客户"),
    ("rfm_segment", "lost", "Lost", "已流失客户"),
    ("rfm_segment", "unclassified", "Unclassified", "未分类"),
    ("rfm_cn8", "important_value", "Important value", "重要价值客户"),
    ("rfm_cn8", "important_develop", "Important development", "重要发展客户"),
    ("rfm_cn8", "important_retain", "Important retention", "重要保持客户"),
    ("rfm_cn8", "important_winback", "Important win-back", "重要挽留客户"),
    ("rfm_cn8", "general_value", "General value", "一般价值客户"),
    ("rfm_cn8", "general_develop", "General development", "一般发展客户"),
    ("rfm_cn8", "general_retain", "General retention", "一般保持客户"),
    ("rfm_cn8", "general_winback", "General win-back", "一般挽留客户"),
    ("abc", "a", "A (top revenue)", "A类客户"),
    ("abc", "b", "B", "B类客户"),
    ("abc", "c", "C", "C类客户"),
    ("value_tier", "high", "High value", "高价值客户"),
    ("value_tier", "mid", "Mid value", "中价值客户"),
    ("value_tier", "low", "Low value", "低价值客户"),
    ("clv_tier", "high", "High predicted value", "高预测价值客户"),
    ("clv_tier", "mid", "Mid predicted value", "中预测价值客户"),
    ("clv_tier", "low", "Low predicted value", "低预测价值客户"),
    ("value_class", "better", "Best customers", "最佳客户"),
    ("value_class", "good", "Good customers", "良好客户"),
    ("value_class", "poor", "Other customers", "其他客户"),
    ("lifecycle", "prospect", "Prospect", "潜在客户"),
    ("lifecycle", "new", "New", "新客户"),
    ("lifecycle", "active", "Active", "活跃客户"),
    ("lifecycle", "at_risk", "At risk", "预警客户"),
    ("lifecycle", "churned", "Churned", "流失客户"),
    ("lifecycle", "reactivated", "Reactivated", "回流客户"),
];

/// `(scheme id, English, Chinese)` for every built-in scheme.
const SCHEMES: &[(&str, &str, &str)] = &[
    ("rfm_segment", "RFM segment", "RFM 细分"),
    ("rfm_cn8", "RFM 8-class (Chinese scheme)", "RFM 八类客户"),
    ("abc", "ABC tier", "ABC 分类"),
    ("value_tier", "Value tier", "价值层级"),
    ("clv_tier", "Predicted value tier (CLV)", "预测价值层级（CLV）"),
    ("cluster", "Clusters (k-means)", "聚类分群"),
    ("matrix", "Value × loyalty matrix", "客户分类矩阵"),
    ("value_class", "Value class (best customers)", "价值细分（最佳客户）"),
    ("lifecycle", "Lifecycle stage", "生命周期阶段"),
];

/// `(column role, English, Chinese)` for the roles a transaction column can play.
const ROLES: &[(&str, &str, &str)] = &[
    ("customer", "customer id", "客户编号"),
    ("date", "date", "日期"),
    ("amount", "amount", "金额"),
    ("quantity", "quantity", "数量"),
    ("unit_price", "unit price", "单价"),
    ("order_id", "order id", "订单号"),
    ("product", "product", "商品"),
    ("category", "category", "品类"),
    ("channel", "channel", "渠道"),
    ("discount", "discount", "折扣"),
];

/// `(customer feature, English, Chinese)` for the features customers.csv carries.
const FEATURES: &[(&str, &str, &str)] = &[
    ("recency_days", "days since last purchase", "距上次购买天数"),
    ("frequency", "orders", "购买次数"),
    ("monetary", "spend", "消费额"),
    ("tenure_days", "days as a customer", "成为客户天数"),
    ("aov", "average order value", "平均订单金额"),
    ("annual_spend", "annual spend", "年消费额"),
    ("avg_interpurchase_days", "days between purchases", "平均购买间隔天数"),
    ("returns_count", "returns", "退货次数"),
    ("returns_amount", "returned amount", "退货金额"),
    ("n_categories", "categories bought", "购买品类数"),
    ("clv", "predicted value (CLV)", "预测价值（CLV）"),
    ("p_alive", "P(alive)", "存活概率"),
    ("historical_ltv", "historical lifetime value", "历史生命周期价值"),
    ("discounted_share", "share of spend on discount", "折扣消费占比"),
];

/// The display name of a customer feature (`recency_days`, `frequency` ...), or `None`.
pub fn feature_name(feature: &str, lang: Lang) -> Option<&'static str> {
    FEATURES.iter().find(|(f, ..)| *f == feature).map(|(_, en, zh)| if lang == Lang::Zh { *zh } else { *en })
}

/// The display name of a column role (`customer`, `date`, `amount` ...), or `None` if unknown.
pub fn role_name(role: &str, lang: Lang) -> Option<&'static str> {
    ROLES.iter().find(|(r, ..)| *r == role).map(|(_, en, zh)| if lang == Lang::Zh { *zh } else { *en })
}

/// The display name of `label` in `scheme`, or `None` for an id the catalog does not know
/// (user-defined labels, whose names come from the config).
pub fn label_name(scheme: &str, label: &str, lang: Lang) -> Option<&'static str> {
    LABELS
        .iter()
        .find(|(s, l, _, _)| *s == scheme && *l == label)
        .map(|(_, _, en, zh)| if lang == Lang::Zh { *zh } else { *en })
}

/// The display name of a scheme, or `None` if unknown.
pub fn scheme_name(scheme: &str, lang: Lang) -> Option<&'static str> {
    SCHEMES.iter().find(|(s, _, _)| *s == scheme).map(|(_, en, zh)| if lang == Lang::Zh { *zh } else { *en })
}

/// The label ids of a built-in scheme, in their documented order (best first).
pub fn labels_of(scheme: &str) -> Vec<&'static str> {
    LABELS.iter().filter(|(s, ..)| *s == scheme).map(|(_, l, ..)| *l).collect()
}

/// A user-facing message (warning or note) as data: a catalog id and its arguments (figures,
/// file names, column names, values: never words to translate). Stored and written this way so
/// that every reader shows it in its own language; `text` is the English, for people reading
/// the JSON files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Msg {
    /// Catalog id (see [`MESSAGES`]).
    pub id: String,
    /// Named arguments, filled into the `{name}` placeholders.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// The English text (written for readers of the files; ignored when read back).
    #[serde(default)]
    pub text: String,
}

impl Msg {
    /// A message with no arguments yet.
    pub fn new(id: &str) -> Msg {
        let mut m = Msg { id: id.to_string(), args: BTreeMap::new(), text: String::new() };
        m.text = m.render(Lang::En);
        m
    }

    /// Adds an argument.
    #[must_use]
    pub fn arg(mut self, name: &str, value: impl ToString) -> Msg {
        self.args.insert(name.to_string(), value.to_string());
        self.text = self.render(Lang::En);
        self
    }

    /// The message in `lang`. An id the catalog does not know (a file from a newer custseg)
    /// falls back to the English text it was written with.
    pub fn render(&self, lang: Lang) -> String {
        let Some((_, en, zh)) = MESSAGES.iter().find(|(id, ..)| *id == self.id) else {
            return if self.text.is_empty() { self.id.clone() } else { self.text.clone() };
        };
        fill(if lang == Lang::Zh { zh } else { en }, &self.args)
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// `template` with each `{name}` replaced by its argument (an unknown name is left as written).
fn fill(template: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if args.contains_key(name) => {
                out.push_str(&args[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `(id, English, Chinese)` of every message the libraries produce; `{name}` is an argument.
pub const MESSAGES: &[(&str, &str, &str)] = &[
    // reading the input
    ("encoding_given", "given", "由参数指定"),
    ("encoding_bom", "UTF-8 byte-order mark", "文件以 UTF-8 BOM 开头"),
    ("encoding_ascii", "ASCII only, read as UTF-8", "仅含 ASCII 字符，按 UTF-8 读取"),
    ("encoding_utf8", "valid UTF-8 ({chars} non-ASCII characters)", "有效的 UTF-8（{chars} 个非 ASCII 字符）"),
    (
        "encoding_mostly_utf8",
        "UTF-8: {chars} valid non-ASCII characters and {invalid} invalid byte sequences (first at byte {at}), whose rows are rejected",
        "UTF-8：{chars} 个有效的非 ASCII 字符和 {invalid} 处无效字节（第一处在第 {at} 字节），含无效字节的行被拒绝",
    ),
    (
        "encoding_neither",
        "neither UTF-8 (invalid bytes from byte {at}) nor GBK; read as UTF-8, rows with invalid bytes rejected",
        "既不是 UTF-8（第 {at} 字节起有无效字节）也不是 GBK；按 UTF-8 读取，含无效字节的行被拒绝",
    ),
    (
        "encoding_gbk",
        "not UTF-8 ({invalid} invalid byte sequences, first at byte {at}); decodes as GBK/GB18030",
        "不是 UTF-8（{invalid} 处无效字节，第一处在第 {at} 字节）；可按 GBK/GB18030 解码",
    ),
    (
        "column_preferred",
        "{role}: took `{chosen}` over {others} (hint: --map {role}=COLUMN to choose another)",
        "{role}：选用 `{chosen}`，未用 {others}（提示：用 --map {role}=列名 另选）",
    ),
    (
        "duplicate_rows_kept",
        "{rows} rows ({groups} distinct) are identical to an earlier row; with no order id they may be genuine repeat purchases, so they were kept (use --dedupe to drop them)",
        "{rows} 行（{groups} 种）与前面的行完全相同；没有订单号，它们可能是真实的重复购买，因此保留（用 --dedupe 删除）",
    ),
    (
        "outlier_dates_set_aside",
        "{rows} rows are dated more than a year after the rest of the data (which ends {last}), e.g. line {line}; they were set aside as `outlier_date` (see rejects.csv) so that they do not decide the as-of date\nhint: if they are real, give the as-of date with --as-of",
        "{rows} 行的日期比其余数据（截至 {last}）晚一年以上，例如第 {line} 行；它们以 `outlier_date` 为由被搁置（见 rejects.csv），不决定分析基准日\n提示：如果这些日期是真实的，请用 --as-of 指定基准日",
    ),
    (
        "far_future_rows",
        "{rows} rows are dated more than a year after 99.9% of the data (after {after}), e.g. line {line}; check for typos such as a wrong year",
        "{rows} 行的日期比 99.9% 的数据晚一年以上（晚于 {after}），例如第 {line} 行；请检查是否有年份输错等笔误",
    ),
    // models and stages
    (
        "spend_q_too_small",
        "spend model: q = {q} <= 1, so mean spend is undefined; CLV columns left empty",
        "消费模型：q = {q} <= 1，平均消费额无定义；CLV 列留空",
    ),
    (
        "spend_correlated",
        "spend model: frequency and mean spend are correlated (r = {r}); Gamma-Gamma assumes they are independent, so treat expected spend with care",
        "消费模型：购买频次与平均消费额相关（r = {r}）；Gamma-Gamma 模型假设二者独立，预期消费额请谨慎使用",
    ),
    (
        "spend_non_positive_left_out",
        "spend model: {n} repeat buyers with non-positive mean repeat spend were left out of the fit",
        "消费模型：{n} 位平均复购金额不为正的复购客户未参与拟合",
    ),
    (
        "spend_not_fitted",
        "spend model not fitted, CLV columns left empty: {error}",
        "消费模型未能拟合，CLV 列留空：{error}",
    ),
    (
        "lifecycle_recency_fallback",
        "lifecycle stages fell back to recency: no P(alive) without a CLV model",
        "没有 CLV 模型就没有存活概率，生命周期阶段改按最近购买天数划分",
    ),
    (
        "wallet_none",
        "no budget data: give a master file with a `{column}` column, or `[wallet] estimate_by` and `estimates`",
        "没有预算数据：请提供含 `{column}` 列的客户主数据，或配置 `[wallet] estimate_by` 与 `estimates`",
    ),
    ("wallet_master", "master column {column}", "客户主数据的 {column} 列"),
    (
        "wallet_master_else_estimates",
        "master column {column} (else estimates by {by})",
        "客户主数据的 {column} 列（缺失时按 {by} 估算）",
    ),
    ("wallet_estimates", "estimates by {by}", "按 {by} 估算"),
    (
        "runs_barely_overlap",
        "runs {a} and {b} share only {shared} of {larger} customers ({pct}%): they may be different data, and the migration between them is mostly customers appearing and disappearing",
        "运行 {a} 与 {b} 的 {larger} 位客户中只有 {shared} 位相同（{pct}%）：它们可能是不同的数据，两者之间的迁移大多是客户的出现与消失",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_both_names_and_ids_are_unique_per_scheme() {
        for (i, (s, l, en, zh)) in LABELS.iter().enumerate() {
            assert!(!en.is_empty() && !zh.is_empty(), "{s}/{l}");
            assert!(scheme_name(s, Lang::En).is_some(), "scheme {s} missing");
            assert!(!LABELS[..i].iter().any(|(s2, l2, ..)| s2 == s && l2 == l), "{s}/{l} twice");
        }
        assert_eq!(label_name("rfm_cn8", "important_value", Lang::Zh), Some("重要价值客户"));
        assert_eq!(label_name("lifecycle", "at_risk", Lang::En), Some("At risk"));
        assert_eq!(label_name("rfm_segment", "nope", Lang::En), None);
        assert_eq!(labels_of("abc"), vec!["a", "b", "c"]);
    }

    #[test]
    fn every_message_has_both_languages_with_the_same_arguments() {
        let names = |t: &str| -> Vec<String> {
            let mut v: Vec<String> =
                t.split('{').skip(1).filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string())).collect();
            v.sort();
            v.dedup();
            v
        };
        for (i, (id, en, zh)) in MESSAGES.iter().enumerate() {
            assert!(!en.is_empty() && !zh.is_empty(), "{id}");
            assert_eq!(names(en), names(zh), "{id}: the two languages take different arguments");
            assert!(zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "{id}: zh has no Chinese");
            assert!(!MESSAGES[..i].iter().any(|(id2, ..)| id2 == id), "{id} twice");
        }
    }

    #[test]
    fn messages_render_in_either_language_and_survive_json() {
        let m = Msg::new("duplicate_rows_kept").arg("rows", 21).arg("groups", 19);
        assert!(m.render(Lang::En).starts_with("21 rows (19 distinct) are identical"));
        assert!(m.render(Lang::Zh).starts_with("21 行（19 种）与前面的行完全相同"));
        let json = serde_json::to_string(&m).expect("serialise");
        let back: Msg = serde_json::from_str(&json).expect("read back");
        assert_eq!(back.render(Lang::Zh), m.render(Lang::Zh));
        // a newer custseg's id: the English it was written with
        let unknown: Msg = serde_json::from_str(r#"{"id":"from_the_future","text":"as written"}"#).expect("json");
        assert_eq!(unknown.render(Lang::Zh), "as written");
        assert_eq!(fill("{a} {b} {", &[("a".to_string(), "1".to_string())].into()), "1 {b} {");
    }

    #[test]
    fn lang_parses_locales() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
