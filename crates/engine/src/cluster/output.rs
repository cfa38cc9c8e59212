//! The cluster output tables: clusters.csv (profiles), cluster_selection.csv (scores per k) and
//! cluster_points.csv (sampled customers on the 2-D projection).

use custseg_core::Lang;
use custseg_core::cluster::profile::Profile;
use custseg_core::cluster::select::Candidate;
use std::path::{Path, PathBuf};

use custseg_data::sink::{Column, Sink, Table};

use super::Clustering;
use super::model::trait_text;
use crate::error::Result;
use crate::output::round;

/// clusters.csv: one row per cluster in number order.
pub fn clusters_table(c: &Clustering, lang: Lang) -> Table {
    let p: &[Profile] = &c.profiles;
    let f = |get: &dyn Fn(&Profile) -> f64, d: i32| {
        Column::Float(
            p.iter().map(|x| Some(get(x))).map(|v| v.filter(|v| v.is_finite()).map(|v| round(v, d))).collect(),
        )
    };
    let s = |get: &dyn Fn(&Profile) -> String| Column::Str(p.iter().map(|x| Some(get(x))).collect());
    let mut t = Table::default();
    t.push("cluster", Column::Int(p.iter().map(|x| Some(i64::from(x.cluster))).collect()));
    t.push("name", s(&|x| x.name(lang).to_string()));
    t.push("name_zh", s(&|x| x.name_zh.clone()));
    t.push("name_en", s(&|x| x.name_en.clone()));
    t.push("customers", Column::Int(p.iter().map(|x| Some(x.size as i64)).collect()));
    t.push("share", f(&|x| x.share, 6));
    t.push("revenue", f(&|x| x.revenue, 2));
    t.push("revenue_share", f(&|x| x.revenue_share, 6));
    for (j, (name, _)) in c.raw.iter().enumerate() {
        t.push(format!("mean_{name}"), f(&|x| x.mean[j], 4));
        t.push(format!("median_{name}"), f(&|x| x.median[j], 4));
        t.push(format!("deviation_{name}"), f(&|x| x.deviation[j], 4));
    }
    for (a, (name, _)) in c.raw_categorical.iter().enumerate() {
        t.push(format!("mode_{name}"), s(&|x| x.modes[a].0.clone()));
        t.push(format!("mode_share_{name}"), f(&|x| x.modes[a].1, 6));
    }
    for r in 0..3 {
        t.push(format!("trait_{}", r + 1), Column::Str(p.iter().map(|x| x.traits.get(r).map(trait_text)).collect()));
    }
    // centres on the 2-D projection: the cluster means of the prepared features
    let pc = |axis: usize| {
        Column::Float(
            c.model
                .clusters
                .iter()
                .map(|cl| c.model.pca.as_ref().map(|pca| round(pca.project(&cl.centroid)[axis], 6)))
                .collect(),
        )
    };
    t.push("pc1", pc(0));
    t.push("pc2", pc(1));
    t
}

/// cluster_selection.csv: the scores of every k tried.
pub fn selection_table(candidates: &[Candidate]) -> Table {
    let f = |get: &dyn Fn(&Candidate) -> Option<f64>, d: i32| {
        Column::Float(candidates.iter().map(|c| get(c).filter(|v| v.is_finite()).map(|v| round(v, d))).collect())
    };
    let mut t = Table::default();
    t.push("k", Column::Int(candidates.iter().map(|c| Some(c.k as i64)).collect()));
    t.push("inertia", f(&|c| Some(c.inertia), 4));
    t.push("silhouette", f(&|c| Some(c.silhouette), 6));
    t.push("calinski_harabasz", f(&|c| c.calinski_harabasz, 4));
    t.push("davies_bouldin", f(&|c| c.davies_bouldin, 6));
    t.push("n_iter", Column::Int(candidates.iter().map(|c| Some(c.n_iter as i64)).collect()));
    t.push("converged", Column::Str(candidates.iter().map(|c| Some(c.converged.to_string())).collect()));
    t.push("elbow", Column::Str(candidates.iter().map(|c| Some(c.elbow.to_string())).collect()));
    t.push("chosen", Column::Str(candidates.iter().map(|c| Some(c.chosen.to_string())).collect()));
    t
}

/// cluster_points.csv: sampled customers (in id order) with their cluster and coordinates.
pub fn points_table(c: &Clustering, ids: &[String]) -> Table {
    let mut t = Table::default();
    t.push("customer_id", Column::Str(c.points.iter().map(|p| Some(ids[p.0].clone())).collect()));
    t.push("cluster", Column::Int(c.points.iter().map(|p| Some(i64::from(p.1))).collect()));
    t.push("pc1", Column::Float(c.points.iter().map(|p| Some(round(p.2[0], 6))).collect()));
    t.push("pc2", Column::Float(c.points.iter().map(|p| Some(round(p.2[1], 6))).collect()));
    t
}

/// Writes clusters.csv, cluster_selection.csv, cluster_points.csv and cluster_model.json.
///
/// # Errors
/// A write failure.
pub fn write_outputs(c: &Clustering, ids: &[String], lang: Lang, dir: &Path, sink: Sink) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for (name, table) in [
        ("clusters.csv", clusters_table(c, lang)),
        ("cluster_selection.csv", selection_table(&c.candidates)),
        ("cluster_points.csv", points_table(c, ids)),
    ] {
        let path = dir.join(name);
        let batch = table.into_batch()?;
        sink.csv(&path, &batch.schema(), std::slice::from_ref(&batch))?;
        out.push(path);
    }
    let path = dir.join("cluster_model.json");
    sink.json(&path, &c.model)?;
    out.push(path);
    Ok(out)
}
