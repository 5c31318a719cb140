//! The bounds `seal` keeps on what it reads, renders and writes: sizes, file types,
//! credentials in URLs, and standard streams that cannot be written.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

/// A 64 KB SealedSecret with thousands of `template.data` entries, each under the
/// per-template limit, once made `seal unseal` allocate gigabytes and write 2 GB. The
/// Secret as a whole is bounded at the API server's 1 MiB: one line, exit 2, no file.
#[test]
fn fail_unseal_refuses_templates_that_together_pass_the_secret_data_limit() {
    let out = seal(&["--cert", &fx().cert(), "-o", "json"], SECRET);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut sealed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let templates: serde_json::Map<String, serde_json::Value> = (0..3000)
        .map(|i| (format!("t{i}"), "{{ repeat 524288 \"x\" }}".into()))
        .collect();
    sealed["spec"]["template"]["data"] = templates.into();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("amplified.json");
    std::fs::write(&input, serde_json::to_vec(&sealed).unwrap()).unwrap();
    assert!(std::fs::metadata(&input).unwrap().len() < 128 * 1024);
    let output = dir.path().join("out.yaml");
    let (input_s, output_s) = (input.to_str().unwrap(), output.to_str().unwrap());
    let out = seal(
        &["unseal", "--key", &fx().key(), "-f", input_s, "-w", output_s],
        "",
    );
    assert_eq!(
        stderr(&out),
        format!(
            "seal: {input_s}: SealedSecret prod/db: the Secret's data (values and rendered templates together) would be larger than 1048576 bytes, the most the API server accepts in a Secret\n"
        )
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(!output.exists(), "no output file may be written");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}
