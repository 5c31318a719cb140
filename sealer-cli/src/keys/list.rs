//! `seal keys list`: every key Secret, newest first, and which one seals new values.

use sealer_core::keys::KEY_LABEL;
use sealer_core::seal::short_fingerprint;
use serde_json::{Value, json};

use super::{KeyView, key_secrets, rfc3339, sealing_index, views_sorted};
use crate::args::ListFormat;
use crate::cluster;
use crate::error::{CliError, CliResult};
use crate::io;

pub(super) fn run(ns: &str, format: ListFormat) -> CliResult {
    let secrets = cluster::block_on(async {
        let client = cluster::client().await?;
        key_secrets(&client, ns).await
    })?;
    let views = views_sorted(&secrets);
    let sealing = sealing_index(&views);
    let out = match format {
        ListFormat::Json => {
            let keys: Vec<Value> = views
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    json!({
                        "name": v.name,
                        "fingerprint": v.fingerprint.as_deref().map(short_fingerprint),
                        "created": v.created.map(rfc3339),
                        "notBefore": v.not_before.map(rfc3339),
                        "state": v.state(),
                        "sealsNewValues": sealing == Some(i),
                        "backedUpAt": v.backed_up_at,
                        "error": v.error,
                    })
                })
                .collect();
            let doc = json!({"namespace": ns, "keys": keys});
            let mut text = serde_json::to_string_pretty(&doc)
                .map_err(|e| CliError::Internal(format!("rendering JSON: {e}")))?;
            text.push('\n');
            text
        }
        ListFormat::Text => render_table(ns, &views, sealing),
    };
    io::write_output(None, out.as_bytes(), None)
}

fn render_table(ns: &str, views: &[KeyView], sealing: Option<usize>) -> String {
    if views.is_empty() {
        return format!(
            "no sealing keys in namespace {ns} (Secrets labelled {KEY_LABEL}); check --controller-namespace\n"
        );
    }
    let mut rows = vec![[
        "NAME".to_owned(),
        "FINGERPRINT".to_owned(),
        "CREATED".to_owned(),
        "STATE".to_owned(),
        "SEALS".to_owned(),
        "BACKED UP".to_owned(),
    ]];
    for (i, v) in views.iter().enumerate() {
        rows.push([
            v.name.clone(),
            v.fingerprint
                .as_deref()
                .map_or_else(|| "-".to_owned(), short_fingerprint),
            v.created.map_or_else(|| "-".to_owned(), rfc3339),
            v.state().to_owned(),
            if sealing == Some(i) { "yes" } else { "no" }.to_owned(),
            v.backed_up_at.clone().unwrap_or_else(|| "never".to_owned()),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| format!("{cell:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for v in views {
        if let Some(e) = &v.error {
            out.push_str(&format!("invalid: {e}\n"));
        }
    }
    out
}
