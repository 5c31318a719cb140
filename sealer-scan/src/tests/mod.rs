use super::*;

fn scan(path: &str, text: &str) -> FileReport {
    scan_file(path, text.as_bytes(), &RepoConfig::default())
}

fn ids(r: &FileReport) -> Vec<(&'static str, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.id(), f.yaml_path.clone()))
        .collect()
}

fn sealed_value() -> String {
    use base64::Engine;
    let mut bytes = vec![0x02, 0x00];
    bytes.extend(std::iter::repeat_n(7u8, 512 + 40));
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A PEM block whose body is a whole DER SEQUENCE (the structure of a real key).
fn pem_key() -> String {
    use base64::Engine;
    let mut der = vec![0x30, 0x81, 200];
    der.extend((0..200u32).map(|i| (i * 13 + 5) as u8));
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    format!(
        "-----BEGIN RSA PRIVATE KEY-----
{body}
-----END RSA PRIVATE KEY-----
"
    )
}

#[test]
fn a_plaintext_secret_is_found_with_path_line_mask_and_fix() {
    let r = scan(
        "apps/db.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: prod\nstringData:\n  password: hunter2\n",
    );
    assert_eq!(r.findings.len(), 1);
    let f = &r.findings[0];
    assert_eq!(f.rule, Rule::SecretPlaintext);
    assert_eq!(f.yaml_path, "stringData.password");
    assert_eq!(f.line, Some(7));
    assert_eq!(f.document, Some(1));
    assert_eq!(f.masked, "*** (7 chars)");
    assert!(
        f.fix
            .contains("seal -f apps/db.yaml --cert CERT.pem -w apps/db.sealed.yaml"),
        "{}",
        f.fix
    );
    let all = format!("{f:?}");
    assert!(!all.contains("hunter2"), "{all}");
}

#[test]
fn streams_lists_json_quoted_kinds_crlf_and_bom_are_all_read() {
    let r = scan(
        "a.yaml",
        "\u{feff}# comment\r\n---\r\napiVersion: v1\r\nkind: ConfigMap\r\ndata: {a: b}\r\n---\r\napiVersion: v1\r\nkind: List\r\nitems:\r\n- apiVersion: v1\r\n  kind: ConfigMap\r\n  data: {x: y}\r\n- apiVersion: v1\r\n  kind: \"Secret\"\r\n  data:\r\n    tls.key: c2VjcmV0\r\n",
    );
    assert_eq!(
        ids(&r),
        [("secret-plaintext", "items[1].data.tls.key".to_owned())]
    );
    assert_eq!(r.findings[0].document, Some(2));
    assert_eq!(r.findings[0].line, Some(16));
    let r = scan(
        "a.json",
        r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a"},"data":{"k":"dg=="}}"#,
    );
    assert_eq!(ids(&r), [("secret-plaintext", "data.k".to_owned())]);
}

#[test]
fn empty_templated_and_sops_values_are_not_findings() {
    let r = scan(
        "t.yaml",
        "kind: Secret\nmetadata: {name: a}\ndata: {}\nstringData:\n  a: \"\"\n  b: '{{ .Values.password | b64enc }}'\n  c: ${DB_PASSWORD}\n",
    );
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
    let r = scan(
        "s.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\nstringData:\n  password: ENC[AES256_GCM,data:3Y4=,iv:x,tag:y,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:x]\n  version: 3.9.0\n",
    );
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
}

#[test]
fn a_well_formed_sealed_secret_passes_and_a_malformed_value_is_reported() {
    let good = format!(
        "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: a, namespace: b}}\nspec:\n  encryptedData:\n    password: {}\n",
        sealed_value()
    );
    assert!(scan("ok.yaml", &good).findings.is_empty());
    let bad = good.replace(&sealed_value(), "hunter2");
    let r = scan("bad.yaml", &bad);
    assert_eq!(
        ids(&r),
        [(
            "sealed-value-malformed",
            "spec.encryptedData.password".to_owned()
        )]
    );
    assert!(!r.findings[0].message.contains("hunter2"));
}

#[test]
fn private_keys_raw_and_base64_wrapped_are_found() {
    use base64::Engine;
    let r = scan("id_rsa", &pem_key());
    assert_eq!(ids(&r), [("private-key", String::new())]);
    let r = scan("notes.txt", &format!("here:\n{}", pem_key()));
    assert_eq!(r.findings[0].line, Some(2));
    let wrapped = base64::engine::general_purpose::STANDARD.encode(pem_key());
    let r = scan(
        "cm.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  tls.key: {wrapped}\n"
        ),
    );
    assert_eq!(ids(&r), [("private-key-base64", "data.tls.key".to_owned())]);
    assert_eq!(r.findings[0].line, Some(5));
}

#[test]
fn a_key_backup_gets_its_own_rule() {
    let r = scan(
        "backup.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Secret\n  type: kubernetes.io/tls\n  metadata:\n    name: sealed-secrets-keyabc\n    labels: {sealedsecrets.bitnami.com/sealed-secrets-key: active}\n  data:\n    tls.key: LS0tLS1CRUdJTiBSU0E=\n    tls.crt: LS0tLS1CRUdJTiBDRVJU\n",
    );
    assert_eq!(
        ids(&r),
        [
            ("key-backup-plaintext", "items[0].data.tls.key".to_owned()),
            ("key-backup-plaintext", "items[0].data.tls.crt".to_owned())
        ]
    );
}

#[test]
fn kubeconfig_credentials_are_found() {
    let r = scan(
        "kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters: []\nusers:\n- name: admin\n  user:\n    token: abcdef0123456789\n- name: other\n  user:\n    client-certificate: /a.crt\n    client-key: /a.key\n",
    );
    assert_eq!(
        ids(&r),
        [("kubeconfig-credential", "users[0].user.token".to_owned())]
    );
    assert_eq!(r.findings[0].line, Some(7));
}

#[test]
fn kustomize_literals_are_found_and_sources_are_handed_back() {
    let r = scan(
        "overlays/prod/kustomization.yaml",
        "secretGenerator:\n- name: db\n  literals:\n  - user=admin\n  - password=\n  envs: [db.env]\n  files: [tls.key=../../certs/tls.key]\n",
    );
    assert_eq!(
        ids(&r),
        [(
            "kustomize-secret-literal",
            "secretGenerator[0].literals[0]".to_owned()
        )]
    );
    assert_eq!(r.findings[0].line, Some(4));
    let refs: Vec<_> = r
        .references
        .iter()
        .map(|x| (x.path.as_str(), x.kind))
        .collect();
    assert_eq!(
        refs,
        [
            ("overlays/prod/db.env", RefKind::Env),
            ("certs/tls.key", RefKind::File)
        ]
    );
    let env = scan_generator_source(
        &r.references[0],
        b"# c\nUSER=admin\nEMPTY=\n",
        &RepoConfig::default(),
    );
    assert_eq!(env.findings.len(), 1);
    assert_eq!(env.findings[0].line, Some(2));
}

#[test]
fn a_document_that_does_not_parse_is_still_scanned_line_by_line() {
    let r = scan(
        "broken.yaml",
        "apiVersion: v1\nkind: 'Secret'\nmetadata:\n  name: a\n  bad: [\nstringData:\n  password: hunter2 # old\n  other: \"{{ .Values.x }}\"\n",
    );
    assert_eq!(
        ids(&r),
        [("secret-plaintext", "stringData.password".to_owned())]
    );
    assert_eq!(r.findings[0].line, Some(7));
    let helm = scan(
        "templates/secret.yaml",
        "{{- if .Values.create }}\napiVersion: v1\nkind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n{{- end }}\n",
    );
    assert!(helm.findings.is_empty(), "{:?}", ids(&helm));
}

#[test]
fn seal_allow_suppresses_its_own_document_only() {
    let r = scan(
        "a.yaml",
        "kind: Secret\nstringData: {a: b} # seal:allow\n---\nkind: Secret\nstringData: {c: d}\n",
    );
    assert_eq!(r.suppressed, 1);
    assert_eq!(ids(&r), [("secret-plaintext", "stringData.c".to_owned())]);
}

#[test]
fn sealer_yaml_paths_and_fingerprints_suppress_findings() {
    let text = "kind: Secret\nstringData: {a: b}\n";
    let fp = scan("x/a.yaml", text).findings[0].fingerprint.clone();
    let config = RepoConfig::parse(&format!(
        "allow:\n  fingerprints: [{fp}]\n  paths: ['fixtures/**']\n"
    ))
    .unwrap();
    let r = scan_file("x/a.yaml", text.as_bytes(), &config);
    assert!(r.findings.is_empty());
    assert_eq!(r.suppressed, 1);
    let r = scan_file("fixtures/deep/a.yaml", text.as_bytes(), &config);
    assert_eq!(r.skipped, Some(Skipped::AllowedPath));
}

#[test]
fn fingerprints_are_stable_when_lines_move_and_change_with_the_value() {
    let a = scan("a.yaml", "kind: Secret\nstringData:\n  p: one\n").findings[0]
        .fingerprint
        .clone();
    let moved = scan(
        "a.yaml",
        "# new comment\n\nkind: Secret\nmetadata: {name: x}\nstringData:\n  p: one\n",
    )
    .findings[0]
        .fingerprint
        .clone();
    let changed = scan("a.yaml", "kind: Secret\nstringData:\n  p: two\n").findings[0]
        .fingerprint
        .clone();
    assert_eq!(a, moved);
    assert_ne!(a, changed);
    assert_eq!(a.len(), 16);
}

#[test]
fn certificate_mapping_goes_into_the_fix() {
    let config =
        RepoConfig::parse("certificates:\n- {path: 'clusters/prod/**', cert: certs/prod.pem}\n")
            .unwrap();
    let r = scan_file(
        "clusters/prod/db.yaml",
        b"kind: Secret\nstringData: {a: b}\n",
        &config,
    );
    assert!(
        r.findings[0].fix.contains(
            "seal -f clusters/prod/db.yaml --cert certs/prod.pem -w clusters/prod/db.sealed.yaml"
        ),
        "{}",
        r.findings[0].fix
    );
}

#[test]
fn binary_prose_and_look_alikes_are_quiet() {
    let mut bin = b"\x00\x01kind: Secret\nstringData: {a: b}\n".to_vec();
    bin.extend(pem_key().as_bytes());
    assert_eq!(
        scan_file("a.bin", &bin, &RepoConfig::default()).skipped,
        Some(Skipped::Binary)
    );
    assert!(
        scan(
            "README.md",
            "Never commit a `kind: Secret` with `stringData:` in it.\n"
        )
        .findings
        .is_empty()
    );
    assert!(
        scan(
            "cm.yaml",
            "kind: ConfigMap\ndata:\n  password: not-a-secret-by-kind\n"
        )
        .findings
        .is_empty()
    );
}

#[test]
fn non_utf8_bytes_do_not_hide_a_secret() {
    let bytes = b"# caf\xe9\nkind: Secret\nstringData:\n  password: hunter2\n";
    let r = scan_file("a.yaml", bytes, &RepoConfig::default());
    assert_eq!(
        ids(&r),
        [("secret-plaintext", "stringData.password".to_owned())]
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn no_input_makes_the_engine_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400), path in "[a-z/]{0,8}(\\.yaml|\\.json|\\.txt|)") {
        let _ = scan_file(&path, &bytes, &RepoConfig::default());
    }

    #[test]
    fn no_manifest_like_text_makes_the_engine_panic(parts in proptest::collection::vec(proptest::sample::select(vec![
        "kind: Secret\n", "kind: \"Secret\"", "data:", "stringData:\n", "  a: b\n", "{", "}", "[", "]", "\"", "'", ": ", "---\n", "- ", "items:\n", "kind: List\n",
        "secretGenerator:\n", "literals: [a=b]\n", "users:\n", "user: {token: x}\n", "-----BEGIN RSA PRIVATE KEY-----", "LS0tLS1CRUdJTi", "\r\n", "\u{feff}", "é", "# seal:allow", "${", "{{", "=",
        "encryptedData:\n", "kind: SealedSecret\n", "spec:\n", "\t", "sops:\n", "ENC[",
        "? ", "}}", "!!str ", "&a ", "*a", "'kind'", "\"data\": ", "kind:\n",
    ]), 0..40)) {
        let text: String = parts.concat();
        let _ = scan_file("x.yaml", text.as_bytes(), &RepoConfig::default());
        let _ = scan_file("x.json", text.as_bytes(), &RepoConfig::default());
        let _ = scan_file("x.txt", text.as_bytes(), &RepoConfig::default());
    }
}

/// A Secret whose values the parser never saw: explicit `? key` / `: value` entries and
/// a duplicate key (which the YAML parser refuses).
const EXPLICIT_KEYS_DUPLICATE: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  ? password\n  : hunter2\n  ? password\n  : hunter2\n";

#[test]
fn fail_a_secret_with_explicit_keys_and_a_duplicate_key_does_not_pass_unread() {
    let r = scan("db.yaml", EXPLICIT_KEYS_DUPLICATE);
    assert_eq!(ids(&r), [("secret-unparsable", String::new())]);
    let f = &r.findings[0];
    assert_eq!(f.document, Some(1));
    assert_eq!(f.line, Some(2), "the line of its `kind`");
    assert!(f.fix.contains("seal -f db.yaml"), "{}", f.fix);
    let all = format!("{f:?}");
    assert!(!all.contains("hunter2"), "{all}");
}

#[test]
fn fail_every_spelling_of_kind_secret_in_a_document_that_does_not_parse_is_a_finding() {
    for text in [
        // Explicit key for `kind` itself: the line fallback cannot see the kind.
        "? kind\n: Secret\nmetadata: {name: a}\nmetadata: {name: b}\nstringData:\n  password: hunter2\n",
        "? \"kind\"\n: 'Secret'\nmetadata: {name: a}\nmetadata: {name: b}\n",
        // Flow style, on one line and over several.
        "{kind: Secret, stringData: {password: hunter2}, kind: Secret}\n",
        "{\n  kind: \"Secret\",\n  stringData: {\n    password: hunter2 },\n  stringData: {}\n}\n",
        // A tag, and the value on the next line.
        "kind: !!str Secret\nmetadata: {name: a}\nmetadata: {name: b}\n",
        "kind:\n  Secret\nmetadata: {name: a}\nmetadata: {name: b}\n",
        // Block entries the fallback cannot read: a multi-line plain value, an alias.
        "kind: Secret\nmetadata: {name: a}\nmetadata: {name: b}\nstringData:\n  password:\n    hunter2\n",
        "kind: Secret\nx: &v {password: hunter2}\nx: 1\nstringData: *v\n",
        // A List item.
        "kind: List\nitems:\n- kind: Secret\n  stringData:\n    ? password\n    : hunter2\n- kind: Secret\n  kind: Secret\n",
    ] {
        let r = scan("s.yaml", text);
        assert_eq!(ids(&r), [("secret-unparsable", String::new())], "{text:?}");
    }
    // JSON that does not parse.
    let r = scan(
        "s.json",
        "{\"kind\": \"Secret\", \"stringData\": {\"password\": \"hunter2\"}",
    );
    assert_eq!(ids(&r), [("secret-unparsable", String::new())]);
}

#[test]
fn fail_a_broken_helm_template_hiding_explicit_keys_is_a_finding() {
    for text in [
        "{{- if .Values.create }}\nkind: Secret\nstringData:\n  ? password\n  : hunter2\n{{- end }}\n",
        "{{- if .Values.create }}\nkind: Secret\n? stringData\n: {password: hunter2}\n{{- end }}\n",
        "{{- if .Values.create }}\nkind: Secret\nstringData:\n  password:\n    hunter2\n{{- end }}\n",
        "{{- if .Values.create }}\nkind: Secret\nstringData:\n  {{ .Values.key }}: hunter2\n{{- end }}\n",
        "{{- if .Values.create }}\nkind: Secret\nstringData: {\n  password: hunter2 }\n{{- end }}\n",
    ] {
        let r = scan("templates/s.yaml", text);
        assert_eq!(ids(&r), [("secret-unparsable", String::new())], "{text:?}");
    }
}

#[test]
fn a_template_line_inside_data_does_not_end_the_line_by_line_reading() {
    let r = scan(
        "templates/s.yaml",
        "kind: Secret\nstringData:\n{{- if .Values.x }}\n  password: hunter2\n{{- end }}\n",
    );
    assert_eq!(
        ids(&r),
        [("secret-plaintext", "stringData.password".to_owned())]
    );
}

#[test]
fn templated_secrets_that_do_not_parse_pass_when_every_value_is_a_template() {
    for text in [
        "{{- if .Values.create }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"x.fullname\" . }}\ndata:\n  password: {{ .Values.password | b64enc }}\n  empty: \"\"\n{{- end }}\n",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  {{- range $key, $value := .Values.secrets }}\n  {{ $key }}: {{ $value | b64enc | quote }}\n  {{- end }}\n",
        "{{- with .Values.secret }}\nkind: Secret\nstringData:\n{{ toYaml .data | indent 2 }}\n{{- end }}\n",
        "kind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData: {{ toYaml .Values.data | nindent 2 }}\n",
    ] {
        let r = scan("templates/s.yaml", text);
        assert!(r.findings.is_empty(), "{text:?}: {:?}", ids(&r));
    }
}

#[test]
fn a_sops_secret_that_does_not_parse_passes_when_every_value_is_encrypted() {
    let sops = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ENC[AES256_GCM,data:Zm9v,iv:YmFy,tag:YmF6,type:str]\nsops:\n  mac: ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\n  version: 3.9.0\n  version: 3.9.1\n";
    let r = scan("s.yaml", sops);
    assert!(r.findings.is_empty(), "{:?}", ids(&r));
    // A plain value next to the encrypted ones is still reported.
    let mixed = sops.replace("  password: ENC", "  user: admin\n  password: ENC");
    assert_eq!(
        ids(&scan("s.yaml", &mixed)),
        [("secret-plaintext", "stringData.user".to_owned())]
    );
}

#[test]
fn a_broken_document_that_is_not_a_secret_stays_quiet() {
    for text in [
        "# the Secret is made by the chart\nkind: ConfigMap\ndata:\n  a: [\n",
        "kind: SealedSecret\nmetadata: {name: a}\nmetadata: {name: b}\n",
        "kind: ExternalSecret\nspec: {target: {name: x}}\nspec: {}\n",
        "kind: Deployment\nspec:\n  env:\n  - valueFrom: {secretKeyRef: {name: Secret}}\n  - [\n",
        "kind: {{ .Values.kind }}\nstringData:\n  a: {{ .Values.a }}\n",
    ] {
        let r = scan("x.yaml", text);
        assert!(r.findings.is_empty(), "{text:?}: {:?}", ids(&r));
    }
}

#[test]
fn a_broken_secret_found_line_by_line_is_reported_once_and_seal_allow_covers_both() {
    // The fallback reports the plaintext it can read: no second finding for the document.
    let r = scan(
        "b.yaml",
        "kind: Secret\nmetadata: {name: a}\nmetadata: {name: b}\nstringData:\n  password: hunter2\n  ? other\n  : hunter3\n",
    );
    assert_eq!(
        ids(&r),
        [("secret-plaintext", "stringData.password".to_owned())]
    );
    let r = scan(
        "b.yaml",
        &format!("# seal:allow\n{EXPLICIT_KEYS_DUPLICATE}"),
    );
    assert!(r.findings.is_empty());
    assert_eq!(r.suppressed, 1);
}

#[test]
fn the_unparsable_fingerprint_changes_with_the_document_and_not_with_its_place() {
    let fp = |t: &str| scan("a.yaml", t).findings[0].fingerprint.clone();
    let a = fp(EXPLICIT_KEYS_DUPLICATE);
    let moved = fp(&format!("kind: ConfigMap\n---\n{EXPLICIT_KEYS_DUPLICATE}"));
    let changed = fp(&EXPLICIT_KEYS_DUPLICATE.replace("hunter2", "hunter3"));
    assert_eq!(a, moved);
    assert_ne!(a, changed);
}

#[test]
fn a_key_kubernetes_would_refuse_is_shown_cut_not_whole() {
    // Found by fuzz/fuzz_targets/scanner.rs: a damaged key (here a pasted SOPS value)
    // came back whole in the message and the YAML path.
    let key = "password:ENC[AES256_GCM,data:Zm9vYmFyYmF6cXV4,iv:YmFy,tag:eHl6]";
    for text in [
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  \"{key}\": hunter2\n"
        ),
        // Does not parse (the unclosed flow sequence): found line by line.
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  \"{}\": hunter2\n  other: [\n",
            key.replace(['[', ']', ','], ";")
        ),
    ] {
        let r = scan("apps/db.yaml", &text);
        check_key_shown(&r);
    }
    // A key on the way to a PEM key (every key of a YAML path is shown the same way).
    let r = scan(
        "apps/any.yaml",
        &format!(
            "app:\n  \"{key}\":\n    tls.key: |\n      {}\n",
            pem_key().replace('\n', "\n      ")
        ),
    );
    check_key_shown(&r);
}

fn check_key_shown(r: &FileReport) {
    let f = r
        .findings
        .iter()
        .find(|f| f.yaml_path.contains("password"))
        .unwrap_or_else(|| panic!("not found: {:?}", ids(r)));
    for shown in [&f.message, &f.yaml_path] {
        assert!(!shown.contains("Zm9vYmFy"), "{shown}");
    }
    assert!(f.yaml_path.contains("password"), "{}", f.yaml_path);
}

#[test]
fn a_json_secret_with_a_key_twice_is_a_finding_whichever_value_comes_last() {
    // serde_json keeps the last of two equal keys: an empty second `password` hid the
    // first, and the file passed.
    let text = r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"stringData":{"password":"hunter2","password":""}}"#;
    let r = scan("apps/db.json", text);
    assert!(!r.findings.is_empty(), "passed: {:?}", ids(&r));
    assert!(r.findings.iter().all(|f| !f.message.contains("hunter2")));
}

mod files;
mod generic;
mod templates;
mod values;
