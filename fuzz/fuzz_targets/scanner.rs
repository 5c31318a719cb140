//! The commit gate's scanner on any file: no panic, and a finding shows the value only
//! as `*** (N chars)`, with messages that name fields and objects, never values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealer_fuzz::check_message;
use sealer_scan::{RepoConfig, scan_file};

/// The first byte picks how the file is named, so both the manifest and the plain-text
/// paths of the scanner are reached.
const PATHS: [&str; 12] = [
    "deploy/secret.yaml",
    "charts/app/values.yaml",
    "config.json",
    "kustomization.yaml",
    "notes.txt",
    ".env",
    "envs/prod/terraform.tfvars",
    ".npmrc",
    ".netrc",
    "helmfile.yaml",
    "src/main.go",
    ".pypirc",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let report = scan_file(path, bytes, &RepoConfig::default());
    for f in &report.findings {
        assert!(
            f.masked.starts_with("*** (") && f.masked.ends_with(" chars)"),
            "masked form shows more than a length: {:?}",
            f.masked
        );
        check_message(bytes, &f.message, 24, true);
        check_message(bytes, &f.fix, 24, true);
        assert_eq!(f.fingerprint.len(), 16);
    }
});
