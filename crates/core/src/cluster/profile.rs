//! Cluster profiles: what each cluster *is*, in numbers and in words.
//!
//! **Numbering.** Clusters are numbered 1..k by mean monetary value, descending (ties: the larger
//! cluster, then the algorithm's index), so the same data gives the same numbers whatever order
//! the algorithm found them in.
//!
//! **Deviation.** A feature's deviation is (cluster mean − overall mean) / overall standard
//! deviation, measured on the transformed values the clustering saw (log1p for amounts and
//! counts), so one huge spender does not make every other cluster look "low value".
//!
//! **Traits and names.** The defining traits are the (at most) three features with the largest
//! absolute deviation of at least 0.25 SD (ties: feature order). The name joins the traits'
//! words in that order (`高价值·高频·近期活跃` / "High value, frequent, recent"); a cluster with
//! no trait is `均衡` / "Average". With categorical attributes, a level held by at least 60% of
//! the cluster and 1.5× as common as overall is a trait too (after the numeric ones).

use serde::Serialize;

use crate::Lang;
use crate::math::percentile;

/// Smallest |deviation| (in SDs) that makes a trait.
pub const TRAIT_MIN_SD: f64 = 0.25;
/// Most traits per cluster.
pub const MAX_TRAITS: usize = 3;

/// One defining trait.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trait {
    /// Feature or attribute name.
    pub feature: String,
    /// Deviation in SDs (numeric) or the level's share in the cluster (categorical).
    pub value: f64,
    /// The level (categorical traits only).
    pub level: Option<String>,
    /// Words in Chinese.
    pub zh: String,
    /// Words in English.
    pub en: String,
}

/// The profile of one cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Stable number, 1..k.
    pub cluster: u32,
    /// Customers.
    pub size: u64,
    /// Share of the clustered customers.
    pub share: f64,
    /// Revenue of its customers.
    pub revenue: f64,
    /// Share of the revenue.
    pub revenue_share: f64,
    /// Mean of each feature's raw values (missing values left out).
    pub mean: Vec<f64>,
    /// Median of each feature's raw values.
    pub median: Vec<f64>,
    /// Deviation of each feature, in SDs (see the module docs).
    pub deviation: Vec<f64>,
    /// Most common level of each categorical attribute and its share in the cluster.
    pub modes: Vec<(String, f64)>,
    /// Defining traits, strongest first.
    pub traits: Vec<Trait>,
    /// Generated name in Chinese.
    pub name_zh: String,
    /// Generated name in English.
    pub name_en: String,
}

impl Profile {
    /// The name in a language.
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name_zh,
            Lang::En => &self.name_en,
        }
    }
}

/// A categorical attribute: level names and each row's level code.
#[derive(Debug, Clone, Copy)]
pub struct Categorical<'a> {
    /// Attribute name.
    pub name: &'a str,
    /// Level names by code.
    pub levels: &'a [String],
    /// Level code per row.
    pub codes: &'a [u32],
}

/// Input of [`profiles`]: per-row values of the clustered customers.
#[derive(Debug, Clone, Copy)]
pub struct ProfileInput<'a> {
    /// Feature names.
    pub names: &'a [String],
    /// Raw values per feature (`None`: missing).
    pub raw: &'a [&'a [Option<f64>]],
    /// Transformed, gap-filled values per feature.
    pub transformed: &'a [Vec<f64>],
    /// Categorical attributes.
    pub categorical: &'a [Categorical<'a>],
    /// Revenue (monetary value) per row.
    pub revenue: &'a [f64],
}

/// Stable cluster numbers: `numbers[algorithm index]` = 1-based number, by mean revenue
/// descending (ties: the larger cluster, then the lower algorithm index).
pub fn numbering(labels: &[u32], revenue: &[f64], k: usize) -> Vec<u32> {
    let mut sum = vec![0.0; k];
    let mut size = vec![0u64; k];
    for (&l, &r) in labels.iter().zip(revenue) {
        sum[l as usize] += r;
        size[l as usize] += 1;
    }
    let mean: Vec<f64> =
        (0..k).map(|j| if size[j] > 0 { sum[j] / size[j] as f64 } else { f64::NEG_INFINITY }).collect();
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]).then(size[b].cmp(&size[a])).then(a.cmp(&b)));
    let mut numbers = vec![0u32; k];
    for (pos, &j) in order.iter().enumerate() {
        numbers[j] = pos as u32 + 1;
    }
    numbers
}

/// Profiles of clusters numbered 1..k (`numbers` as from [`numbering`]), in number order.
pub fn profiles(input: &ProfileInput<'_>, labels: &[u32], numbers: &[u32]) -> Vec<Profile> {
    let k = numbers.len();
    let n = labels.len();
    let total_revenue: f64 = input.revenue.iter().sum();
    let overall: Vec<(f64, f64)> = input
        .transformed
        .iter()
        .map(|t| {
            let m = t.iter().sum::<f64>() / t.len().max(1) as f64;
            let sd = (t.iter().map(|v| (v - m).powi(2)).sum::<f64>() / t.len().max(1) as f64).sqrt();
            (m, sd)
        })
        .collect();
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (i, &l) in labels.iter().enumerate() {
        members[l as usize].push(i);
    }
    let mut out: Vec<Profile> = (0..k)
        .map(|j| {
            let rows = &members[j];
            let size = rows.len() as u64;
            let revenue: f64 = rows.iter().map(|&i| input.revenue[i]).sum();
            let mut mean = Vec::new();
            let mut median = Vec::new();
            let mut deviation = Vec::new();
            for (f, raw) in input.raw.iter().enumerate() {
                let vals: Vec<f64> = rows.iter().filter_map(|&i| raw[i]).filter(|v| v.is_finite()).collect();
                mean.push(if vals.is_empty() { f64::NAN } else { vals.iter().sum::<f64>() / vals.len() as f64 });
                median.push(percentile(&vals, 0.5).unwrap_or(f64::NAN));
                let tm = rows.iter().map(|&i| input.transformed[f][i]).sum::<f64>() / rows.len().max(1) as f64;
                let (m, sd) = overall[f];
                deviation.push(if sd > 0.0 && !rows.is_empty() { (tm - m) / sd } else { 0.0 });
            }
            let mut modes = Vec::new();
            let mut cat_traits = Vec::new();
            for c in input.categorical {
                let mut counts = vec![0u64; c.levels.len()];
                let mut all = vec![0u64; c.levels.len()];
                for &i in rows {
                    counts[c.codes[i] as usize] += 1;
                }
                for &code in c.codes {
                    all[code as usize] += 1;
                }
                let (best, cnt) =
                    counts.iter().enumerate().fold((0usize, 0u64), |b, (l, &v)| if v > b.1 { (l, v) } else { b });
                let share = if size > 0 { cnt as f64 / size as f64 } else { 0.0 };
                let overall_share = all[best] as f64 / n.max(1) as f64;
                let level = c.levels.get(best).cloned().unwrap_or_default();
                if share >= 0.6 && overall_share > 0.0 && share >= 1.5 * overall_share {
                    cat_traits.push(Trait {
                        feature: c.name.to_string(),
                        value: share,
                        level: Some(level.clone()),
                        zh: level.clone(),
                        en: level.clone(),
                    });
                }
                modes.push((level, share));
            }
            let mut order: Vec<usize> = (0..deviation.len()).filter(|&f| deviation[f].abs() >= TRAIT_MIN_SD).collect();
            order.sort_by(|&a, &b| deviation[b].abs().total_cmp(&deviation[a].abs()).then(a.cmp(&b)));
            let mut traits: Vec<Trait> = order
                .iter()
                .map(|&f| {
                    let (zh, en) = trait_words(&input.names[f], deviation[f] > 0.0);
                    Trait { feature: input.names[f].clone(), value: deviation[f], level: None, zh, en }
                })
                .collect();
            traits.extend(cat_traits);
            traits.truncate(MAX_TRAITS);
            let (name_zh, name_en) = name_of(&traits);
            Profile {
                cluster: numbers[j],
                size,
                share: if n > 0 { size as f64 / n as f64 } else { 0.0 },
                revenue,
                revenue_share: if total_revenue != 0.0 { revenue / total_revenue } else { 0.0 },
                mean,
                median,
                deviation,
                modes,
                traits,
                name_zh,
                name_en,
            }
        })
        .collect();
    out.sort_by_key(|p| p.cluster);
    out
}

/// The generated zh and en names of a list of traits.
pub fn name_of(traits: &[Trait]) -> (String, String) {
    if traits.is_empty() {
        return ("均衡".into(), "Average".into());
    }
    let zh = traits.iter().map(|t| t.zh.as_str()).collect::<Vec<_>>().join("·");
    let en = traits.iter().map(|t| t.en.as_str()).collect::<Vec<_>>().join(", ");
    let mut chars = en.chars();
    let en = match chars.next() {
        Some(c) => c.to_uppercase().collect::<String>() + chars.as_str(),
        None => en,
    };
    (zh, en)
}

/// The words for a feature being above (`high`) or below the average, in zh and en.
pub fn trait_words(feature: &str, high: bool) -> (String, String) {
    let words: Option<(&str, &str, &str, &str)> = match feature {
        "monetary" => Some(("高价值", "high value", "低价值", "low value")),
        "frequency" => Some(("高频", "frequent", "低频", "infrequent")),
        "recency_days" => Some(("久未购买", "lapsed", "近期活跃", "recent")),
        "tenure_days" => Some(("老客户", "long-standing", "新客户", "new")),
        "aov" => Some(("大单", "big baskets", "小单", "small baskets")),
        "annual_spend" => Some(("年消费高", "high annual spend", "年消费低", "low annual spend")),
        "avg_interpurchase_days" => Some(("购买间隔长", "long gaps", "购买间隔短", "short gaps")),
        "returns_count" | "returns_amount" => Some(("退货多", "many returns", "退货少", "few returns")),
        "n_categories" => Some(("多品类", "many categories", "少品类", "few categories")),
        "clv" => Some(("高预测价值", "high predicted value", "低预测价值", "low predicted value")),
        "p_alive" => Some(("大概率活跃", "likely active", "可能流失", "likely lapsed")),
        _ => None,
    };
    match (words, high) {
        (Some((zh, en, _, _)), true) | (Some((_, _, zh, en)), false) => (zh.to_string(), en.to_string()),
        (None, true) => (format!("高{feature}"), format!("high {feature}")),
        (None, false) => (format!("低{feature}"), format!("low {feature}")),
    }
}
