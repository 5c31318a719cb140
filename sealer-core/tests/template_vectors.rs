//! `spec.template.data` against upstream: each SealedSecret in
//! `tests/vectors/template/expected.json` was sealed by sealed-secrets v0.36.6's own
//! `NewSealedSecret` for the throw-away test key, and its `data` is what upstream's own
//! `SealedSecret.Unseal` (the controller's code path: text/template + Sprig) produced.
//! `tests/vectors/template/generate` remakes it. Here sealer unseals the same objects and
//! must produce the same bytes, or fail where upstream failed.
// Tests fail by panicking; unwrap is the assertion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sealer_core::keys::load_private_keys;
use sealer_core::seal::{open_all, sealed_target, unsealed_secret};
use sealer_core::{Error, KeyRing};
use serde_json::Value;

fn vector(name: &str) -> String {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn ring() -> KeyRing {
    KeyRing::new(load_private_keys(vector("test-key.pem").as_bytes(), "test-key.pem").unwrap())
}

/// Go encodes `[]byte` as base64, and an empty one as `null`.
fn decode_data(data: &Value) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = data
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        STANDARD.decode(v.as_str().unwrap_or("")).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn sealer_renders_template_data_exactly_as_upstream_unseal_does() {
    let cases: Vec<Value> = serde_json::from_str(&vector("template/expected.json")).unwrap();
    assert!(cases.len() >= 15, "only {} cases", cases.len());
    let ring = ring();
    let mut rendered = 0;
    let mut failed = 0;
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let sealed = &case["sealed"];
        let target = sealed_target(sealed, None).unwrap();
        let opened = open_all(sealed, &ring, None).unwrap();
        assert!(opened.failures.is_empty(), "{name}: a value did not open");
        let result = unsealed_secret(sealed, &target, opened);
        if case["failed"].as_bool() == Some(true) {
            match result {
                Err(Error::Template { key, .. }) => assert_eq!(key, "t", "{name}"),
                Err(other) => panic!("{name}: failed, but not as a template error: {other}"),
                Ok(_) => panic!(
                    "{name}: upstream failed ({}), sealer rendered",
                    case["upstreamError"]
                ),
            }
            failed += 1;
            continue;
        }
        let secret = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let ours = decode_data(&secret["data"]);
        let theirs = decode_data(&case["data"]);
        for ((k1, v1), (k2, v2)) in ours.iter().zip(&theirs) {
            assert_eq!(k1, k2, "{name}: keys differ");
            assert_eq!(
                String::from_utf8_lossy(v1),
                String::from_utf8_lossy(v2),
                "{name}: key `{k1}`"
            );
            assert_eq!(v1, v2, "{name}: key `{k1}` (bytes)");
        }
        assert_eq!(ours.len(), theirs.len(), "{name}: key count");
        rendered += 1;
    }
    assert!(
        rendered >= 15 && failed >= 3,
        "{rendered} rendered, {failed} failed"
    );
}

/// Constructs sealer refuses on purpose although upstream renders them: the refusal must
/// say "not supported", never render something else.
const REFUSED_ON_PURPOSE: &[&str] = &[
    "{{ 1.5 }}",
    "{{ range . }}x{{ end }}",
    "{{ $x := 1 }}{{ $x }}",
    "{{ with .username }}{{ . }}{{ end }}",
    "{{ printf \"%#v\" \"a\" }}",
    "{{ printf \"%*d\" 3 4 }}",
    "{{ printf \"%[1]s\" \"a\" }}",
    "{{ with .missing }}a{{ else }}b{{ end }}",
];

#[test]
fn every_probe_renders_like_upstream_fails_like_upstream_or_is_refused_by_name() {
    let set: Value = serde_json::from_str(&vector("template/probes.json")).unwrap();
    let expected: Vec<Value> =
        serde_json::from_str(&vector("template/probes-expected.json")).unwrap();
    let mut values = sealer_core::seal::Values::new();
    for (k, v) in set["values"].as_object().unwrap() {
        values.insert(k.clone(), v.as_str().unwrap().as_bytes().to_vec().into());
    }
    for (k, v) in set["bytes"].as_object().unwrap() {
        values.insert(
            k.clone(),
            STANDARD.decode(v.as_str().unwrap()).unwrap().into(),
        );
    }
    assert!(expected.len() >= 200, "only {} probes", expected.len());
    let mut refused = Vec::new();
    for probe in &expected {
        let t = probe["template"].as_str().unwrap();
        let ours = sealer_core::template::render("t", t, &values);
        let upstream_failed = probe["failed"].as_bool() == Some(true);
        match (ours, upstream_failed) {
            (Ok(out), false) => {
                let theirs = STANDARD
                    .decode(probe["output"].as_str().unwrap_or(""))
                    .unwrap();
                assert_eq!(
                    out.as_slice(),
                    theirs.as_slice(),
                    "{t}: ours {:?}, upstream {:?}",
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&theirs)
                );
            }
            (Err(_), true) => {}
            (Ok(out), true) => panic!(
                "{t}: upstream failed ({}), sealer rendered {:?}",
                probe["upstreamError"],
                String::from_utf8_lossy(&out)
            ),
            (Err(e), false) => {
                assert!(e.to_string().contains("not supported"), "{t}: {e}");
                refused.push(t);
            }
        }
    }
    assert_eq!(refused, REFUSED_ON_PURPOSE);
}
