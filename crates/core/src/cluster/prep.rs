//! Feature preparation: from raw per-customer values (with gaps) to the scaled matrix the
//! algorithms see, and the recipe ([`FeatureScale`]) that prepares new customers the same way.
//!
//! Per feature, in order:
//! 1. transform: `log1p` computes ln(1 + max(v, 0)), so a negative net spend (more returned than
//!    bought) counts as 0 (the clipped rows are counted); `none` keeps the value;
//! 2. missing values (a one-time buyer has no inter-purchase gap; a master attribute may be
//!    blank) are filled with the median of the feature's transformed present values, and counted;
//! 3. scaling: `zscore` subtracts the mean and divides by the (population) standard deviation;
//!    `robust` subtracts the median and divides by the interquartile range (the standard
//!    deviation when the IQR is 0); `none` leaves the values. A constant feature gets scale 1
//!    (it becomes all zeros and cannot influence the clusters) and is reported;
//! 4. weight: the scaled value is multiplied by √weight, so the feature's share of every squared
//!    distance is multiplied by its weight.

use serde::{Deserialize, Serialize};

use super::ClusterError;
use crate::math::percentile;

/// Transform applied before scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transform {
    /// ln(1 + max(v, 0)).
    Log1p,
    /// The value itself.
    None,
}

/// Column scaling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// (v − mean) / standard deviation.
    #[default]
    Zscore,
    /// (v − median) / interquartile range.
    Robust,
    /// No scaling.
    None,
}

/// What to do with one feature.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureSpec {
    /// Column name.
    pub name: String,
    /// Transform before scaling.
    pub transform: Transform,
    /// Weight in the squared distance (> 0).
    pub weight: f64,
}

/// The recipe for one feature, fitted on the training customers; saved with a model so new
/// customers are prepared identically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureScale {
    /// Column name.
    pub name: String,
    /// Transform before scaling.
    pub transform: Transform,
    /// Value (after the transform) that stands in for a missing value.
    pub fill: f64,
    /// Subtracted after the transform.
    pub centre: f64,
    /// Divisor after centring.
    pub scale: f64,
    /// Weight in the squared distance.
    pub weight: f64,
}

impl FeatureScale {
    /// The transformed value (missing: the fill value).
    pub fn transformed(&self, v: Option<f64>) -> f64 {
        match v.filter(|v| v.is_finite()) {
            Some(v) => match self.transform {
                Transform::Log1p => v.max(0.0).ln_1p(),
                Transform::None => v,
            },
            None => self.fill,
        }
    }

    /// The model value of a raw value.
    pub fn apply(&self, v: Option<f64>) -> f64 {
        (self.transformed(v) - self.centre) / self.scale * self.weight.sqrt()
    }
}

/// What preparation did to one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReport {
    /// Column name.
    pub name: String,
    /// Values filled with the median.
    pub missing: u64,
    /// Negative values counted as 0 by `log1p`.
    pub clipped: u64,
    /// The feature had one value only.
    pub constant: bool,
}

/// The prepared data.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// `n × features`, row-major: the matrix the algorithms see.
    pub x: Vec<f64>,
    /// Per feature, the transformed values with gaps filled (the scale profiles measure
    /// deviations on).
    pub transformed: Vec<Vec<f64>>,
    /// The recipe per feature.
    pub scales: Vec<FeatureScale>,
    /// What happened per feature.
    pub report: Vec<FeatureReport>,
}

/// Fits the recipe on `columns` (one per spec, raw values, `None` = missing) and applies it.
///
/// # Errors
/// [`ClusterError::NoFeatures`], [`ClusterError::Length`], [`ClusterError::Weight`],
/// [`ClusterError::AllMissing`].
pub fn prepare(columns: &[&[Option<f64>]], specs: &[FeatureSpec], scaling: Scaling) -> Result<Prepared, ClusterError> {
    if specs.is_empty() || columns.len() != specs.len() {
        return Err(ClusterError::NoFeatures);
    }
    let n = columns[0].len();
    let mut scales = Vec::with_capacity(specs.len());
    let mut transformed = Vec::with_capacity(specs.len());
    let mut report = Vec::with_capacity(specs.len());
    for (col, spec) in columns.iter().zip(specs) {
        if col.len() != n {
            return Err(ClusterError::Length { feature: spec.name.clone(), len: col.len(), expected: n });
        }
        if !(spec.weight > 0.0 && spec.weight.is_finite()) {
            return Err(ClusterError::Weight { feature: spec.name.clone(), value: spec.weight });
        }
        let mut s = FeatureScale {
            name: spec.name.clone(),
            transform: spec.transform,
            fill: 0.0,
            centre: 0.0,
            scale: 1.0,
            weight: spec.weight,
        };
        let present: Vec<f64> =
            col.iter().filter_map(|v| v.filter(|v| v.is_finite())).map(|v| s.transformed(Some(v))).collect();
        let fill = percentile(&present, 0.5).ok_or_else(|| ClusterError::AllMissing { feature: spec.name.clone() })?;
        s.fill = fill;
        let clipped = match spec.transform {
            Transform::Log1p => col.iter().filter(|v| v.is_some_and(|v| v < 0.0)).count() as u64,
            Transform::None => 0,
        };
        let t: Vec<f64> = col.iter().map(|&v| s.transformed(v)).collect();
        let nf = t.len().max(1) as f64;
        let mean = t.iter().sum::<f64>() / nf;
        let sd = (t.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / nf).sqrt();
        let (centre, spread) = match scaling {
            Scaling::Zscore => (mean, sd),
            Scaling::Robust => {
                let q = |p| percentile(&t, p).unwrap_or(0.0);
                let iqr = q(0.75) - q(0.25);
                (q(0.5), if iqr > 0.0 { iqr } else { sd })
            }
            Scaling::None => (0.0, 1.0),
        };
        let constant = sd <= 1e-12 * mean.abs().max(1.0);
        s.centre = centre;
        s.scale = if spread > 0.0 && !constant { spread } else { 1.0 };
        report.push(FeatureReport {
            name: spec.name.clone(),
            missing: col.iter().filter(|v| !v.is_some_and(f64::is_finite)).count() as u64,
            clipped,
            constant,
        });
        transformed.push(t);
        scales.push(s);
    }
    let x = apply_transformed(&transformed, &scales);
    Ok(Prepared { x, transformed, scales, report })
}

/// Prepares new customers with a fitted recipe (`columns` in the recipe's order).
///
/// # Errors
/// [`ClusterError::Length`] when the columns differ in length or number.
pub fn apply(scales: &[FeatureScale], columns: &[&[Option<f64>]]) -> Result<Vec<f64>, ClusterError> {
    Ok(apply_keeping_transformed(scales, columns)?.x)
}

/// [`apply`], also returning the transformed, gap-filled values per feature (what profiles
/// describe), as [`prepare`] does; `scales` is the recipe and `report` is empty.
///
/// # Errors
/// As [`apply`].
pub fn apply_keeping_transformed(
    scales: &[FeatureScale],
    columns: &[&[Option<f64>]],
) -> Result<Prepared, ClusterError> {
    let n = columns.first().map_or(0, |c| c.len());
    if columns.len() != scales.len() {
        return Err(ClusterError::NoFeatures);
    }
    for (c, s) in columns.iter().zip(scales) {
        if c.len() != n {
            return Err(ClusterError::Length { feature: s.name.clone(), len: c.len(), expected: n });
        }
    }
    let t: Vec<Vec<f64>> =
        columns.iter().zip(scales).map(|(c, s)| c.iter().map(|&v| s.transformed(v)).collect()).collect();
    Ok(Prepared { x: apply_transformed(&t, scales), transformed: t, scales: scales.to_vec(), report: Vec::new() })
}

fn apply_transformed(t: &[Vec<f64>], scales: &[FeatureScale]) -> Vec<f64> {
    let n = t.first().map_or(0, Vec::len);
    let d = scales.len();
    let mut x = vec![0.0; n * d];
    for (j, (col, s)) in t.iter().zip(scales).enumerate() {
        let w = s.weight.sqrt();
        for (i, v) in col.iter().enumerate() {
            x[i * d + j] = (v - s.centre) / s.scale * w;
        }
    }
    x
}
