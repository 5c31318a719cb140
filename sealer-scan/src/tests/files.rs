//! Files known by their name.

use super::*;

const REAL: &str = "Qm7vX2pL9sK4wR8t";

#[test]
fn a_dotenv_file_reports_secret_named_variables_only() {
    let text = format!(
        "# app\nPORT=8080\nDEBUG=true\nexport DATABASE_PASSWORD=\"{REAL}\"\nAPI_TOKEN={REAL}x # prod\nEMPTY_SECRET=\nREF_TOKEN=${{VAULT_TOKEN}}\n"
    );
    for path in [".env", "deploy/.env.production", "prod.env"] {
        assert_eq!(
            ids(&scan(path, &text)),
            vec![
                ("dotenv-secret", "DATABASE_PASSWORD".to_owned()),
                ("dotenv-secret", "API_TOKEN".to_owned())
            ],
            "{path}"
        );
    }
}

#[test]
fn tfvars_report_secret_named_strings_with_their_path() {
    let text = format!(
        "region = \"eu-west-1\"\ndb_password = \"{REAL}\"\ninstance_count = 3\nsmtp = {{\n  host     = \"smtp.example.invalid\"\n  password = \"{REAL}x\"\n}}\n"
    );
    assert_eq!(
        ids(&scan("envs/prod/terraform.tfvars", &text)),
        vec![
            ("tfvars-secret", "db_password".to_owned()),
            ("tfvars-secret", "smtp.password".to_owned())
        ]
    );
}

#[test]
fn npmrc_pypirc_and_netrc_credentials_are_found() {
    let npmrc = format!(
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={REAL}\n//npm.pkg.github.com/:_authToken=${{NPM_TOKEN}}\n"
    );
    assert_eq!(
        ids(&scan(".npmrc", &npmrc)),
        vec![(
            "npmrc-credential",
            "//registry.npmjs.org/:_authToken".to_owned()
        )]
    );
    let pypirc = format!(
        "[distutils]\nindex-servers = pypi\n\n[pypi]\nusername = __token__\npassword = {REAL}\n"
    );
    assert_eq!(
        ids(&scan(".pypirc", &pypirc)),
        vec![("pypirc-password", "pypi.password".to_owned())]
    );
    let netrc = format!("machine git.example.invalid\n  login deploy\n  password {REAL}\n");
    assert_eq!(
        ids(&scan(".netrc", &netrc)),
        vec![("netrc-password", "git.example.invalid".to_owned())]
    );
}

#[test]
fn a_docker_config_with_auths_is_found_and_a_creds_store_passes() {
    let with = "{\n  \"auths\": {\n    \"ghcr.io\": {\"auth\": \"ZGVwbG95OlFtN3ZYMnBMOXNLNHdSOHQ=\"}\n  }\n}\n";
    assert_eq!(
        ids(&scan(".docker/config.json", with)),
        vec![("docker-config-auth", "auths.ghcr.io.auth".to_owned())]
    );
    let store = "{\"auths\": {\"ghcr.io\": {}}, \"credsStore\": \"desktop\"}\n";
    assert_eq!(ids(&scan(".docker/config.json", store)), vec![]);
}

#[test]
fn a_long_entry_name_is_whole_in_the_path_and_cut_in_the_message() {
    // Found by fuzz/fuzz_targets/scanner.rs: the message repeated a registry-scoped
    // `.npmrc` key whole, 31 bytes of input text.
    let npmrc = format!("//npm.pkg.github.com/:_authToken={REAL}\n");
    let r = scan(".npmrc", &npmrc);
    assert_eq!(
        ids(&r),
        vec![(
            "npmrc-credential",
            "//npm.pkg.github.com/:_authToken".to_owned()
        )]
    );
    assert!(
        !r.findings[0]
            .message
            .contains("//npm.pkg.github.com/:_authToken"),
        "{}",
        r.findings[0].message
    );
}
