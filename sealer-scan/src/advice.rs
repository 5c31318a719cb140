//! What a finding tells the user to do: the exact `seal` command for a plaintext
//! Secret (with the certificate `.sealer.yaml` maps to its path), for a Secret that does
//! not parse, and the advice for a private key.

use crate::repo_config::RepoConfig;

/// The fix for a plaintext Secret in `file`: the exact `seal` command.
pub fn secret_fix(file: &str, config: &RepoConfig, whole_file: bool) -> String {
    let (stem, ext) = match file.rsplit_once('.') {
        Some((s, e)) if matches!(e, "yaml" | "yml" | "json") => (s, e),
        _ => (file, "yaml"),
    };
    let out = format!(
        "{stem}.sealed.{}",
        if ext == "json" { "json" } else { "yaml" }
    );
    let format = if ext == "json" { " -o json" } else { "" };
    let cert = config
        .cert_for(file)
        .map_or_else(|| " --cert CERT.pem".to_owned(), |c| format!(" --cert {c}"));
    let mut fix = format!(
        "seal it: `seal -f {file}{cert}{format} -w {out}`, then commit {out} instead: `git rm --cached {file}`"
    );
    if config.cert_for(file).is_none() {
        fix.push_str(
            " (map the path to a certificate under `certificates:` in .sealer.yaml to drop --cert)",
        );
    }
    if whole_file {
        fix.push_str("; or run `seal scan --fix` to seal the file in place");
    } else {
        fix.push_str(
            "; move the Secret to a file of its own first if the file holds other objects",
        );
    }
    fix
}

/// The fix for a Secret that does not parse (`secret-unparsable`): make it parse, then
/// seal it.
pub(crate) fn unparsable_fix(file: &str, config: &RepoConfig, whole_file: bool) -> String {
    format!(
        "make it parse as YAML (no duplicate keys, `key: value` entries rather than `? key` / `: value`, closed brackets) and scan again; if it holds values, {}",
        secret_fix(file, config, whole_file)
    )
}

pub(crate) const KEY_FIX: &str = "take the key out of the commit (`git rm --cached FILE` or edit it out) and rotate it if it was ever pushed; keep keys in a Secret sealed with `seal`, or outside the repository";
