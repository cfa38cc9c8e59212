//! The one catalog of display names: every built-in label id of every scheme, in Chinese and
//! English. Data files carry the stable ids; terminal output and reports use these names.

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
    fn lang_parses_locales() {
        assert_eq!(Lang::parse("zh_CN.UTF-8"), Some(Lang::Zh));
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
