//! Helm templates that do not parse as YAML must not alarm, and must not hide a value.

use super::*;

#[test]
fn a_template_file_starting_with_a_template_is_read_as_yaml_documents() {
    // Starting with `{{`, it was taken for JSON and read as one document: the ConfigMap
    // after `---` was read as the Secret's continuation.
    let text = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"x.fullname\" . }}\ntype: Opaque\nstringData: {{- include \"x.secretData\" . | nindent 2 }}\n{{- end }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  level: info\n  mode: fast\n";
    let r = scan("chart/templates/secret.yaml", text);
    assert_eq!(ids(&r), vec![]);
}

#[test]
fn a_block_scalar_whose_body_is_a_template_is_not_a_value() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  config.yaml: |\n    {{- tpl .Values.config . | nindent 4 }}\n  other: |\n    user: {{ .Values.user }}\n    password: {{ .Values.password | quote }}\n";
    let r = scan("chart/templates/s.yaml", text);
    assert_eq!(ids(&r), vec![]);
}

#[test]
fn a_block_scalar_with_a_plain_line_in_a_template_is_still_a_value() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  app.conf: |\n    user: {{ .Values.user }}\n    password: Zq8-real-looking-77\n";
    let r = scan("chart/templates/s.yaml", text);
    assert_eq!(
        ids(&r),
        vec![("secret-plaintext", "stringData.app.conf".to_owned())]
    );
    // The value is the block's body, not its `|` header.
    assert_ne!(r.findings[0].masked, "*** (1 chars)");
}

#[test]
fn a_json_file_that_does_not_parse_is_still_read_line_by_line() {
    let text = "{\"apiVersion\": \"v1\", \"kind\": \"Secret\",\n \"stringData\": {\"password\": \"x-real-9\"},\n}\n";
    let r = scan("s.json", text);
    assert_eq!(r.findings.len(), 1, "{:?}", ids(&r));
}

#[test]
fn placeholder_values_in_a_secret_pass_and_real_ones_do_not() {
    let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: app}\nstringData:\n  a: changeme\n  b: <your-password>\n  c: REPLACE_ME\n  d: xxxxxxxx\n  e: '...'\n  f: example-password\n  g: dummy\n  h: ${DB_PASSWORD}\ndata:\n  i: Y2hhbmdlbWU=\n  j: aHVudGVyMi1yZWFs\n  k: Zm9v\n";
    let r = scan("apps/app.yaml", text);
    assert_eq!(
        ids(&r),
        vec![
            ("secret-plaintext", "data.j".to_owned()),
            ("secret-plaintext", "data.k".to_owned())
        ]
    );
}

#[test]
fn a_truncated_sealed_value_warns_and_plaintext_pasted_there_blocks() {
    let doc = |v: &str| {
        format!(
            "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {{name: db}}\nspec:\n  encryptedData:\n    password: {v}\n"
        )
    };
    let cut = &sealed_value()[..120];
    let r = scan("docs/db.yaml", &doc(cut));
    assert_eq!(r.findings.len(), 1);
    assert_eq!(
        (r.findings[0].rule, r.findings[0].severity),
        (Rule::SealedValueMalformed, Severity::Warning)
    );
    let r = scan("apps/db.yaml", &doc("hunter2-pasted"));
    assert_eq!(
        (r.findings[0].rule, r.findings[0].severity),
        (Rule::SealedValueMalformed, Severity::Error)
    );
}

#[test]
fn templated_keys_and_their_block_bodies_are_read_not_refused() {
    let mysql = "{{- if not .Values.existing }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ template \"x.secretName\" . }}\nstringData:\n  {{ template \"x.secretKey\" . }}: |\n      [client]\n      host={{ .Values.mysql.host }}\n      {{- if .Values.mysql.pass }}\n      password={{ .Values.mysql.pass }}\n      {{- end }}\n{{- end }}\n";
    assert_eq!(
        ids(&scan("chart/templates/secret-config.yaml", mysql)),
        vec![]
    );
    let ranged = "{{- with .Values.logs }}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"x\" $ }}\ndata:\n  {{- range $i, $cfg := .remote }}\n  username-{{ $i }}: {{ $cfg.username | b64enc | quote }}\n  {{- end }}\n{{- end }}\n";
    assert_eq!(ids(&scan("chart/templates/usernames.yaml", ranged)), vec![]);
}

#[test]
fn in_a_template_a_config_block_is_plaintext_only_when_it_holds_a_secret() {
    let config = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}\nstringData:\n  config.yaml: |\n    credentials_service: {{- include \"x.creds\" . | indent 6 }}\n    auth:\n      public_key_path: \"/tmp/cas.public.pem\"\n    driver: pgx\n";
    assert_eq!(
        ids(&scan("chart/templates/secret-config.yaml", config)),
        vec![]
    );
    let leak = config.replace("driver: pgx", "password: Zq8-real-looking-77");
    assert_eq!(
        ids(&scan("chart/templates/secret-config.yaml", &leak)),
        vec![("secret-plaintext", "stringData.config.yaml".to_owned())]
    );
}

#[test]
fn a_jinja_wrapped_documentation_secret_with_placeholders_passes() {
    let text = "{% raw %}\napiVersion: v1\ndata:\n  BW_HOST: ...\n  BW_PASSWORD: ....\nkind: Secret\nmetadata:\n  name: bw\n{% endraw %}\n";
    assert_eq!(ids(&scan("docs/snippets/bw.yaml", text)), vec![]);
    // Starting with `{%`, it is not JSON: its documents are read one by one.
    let two = "{% raw %}\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\ndata:\n  tls.key: <BASE64_ENCODED_PEM_KEY>\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a: b\n{% endraw %}\n";
    assert_eq!(ids(&scan("docs/snippets/two.yaml", two)), vec![]);
}
