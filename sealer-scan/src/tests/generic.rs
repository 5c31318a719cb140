//! The catch-all: secret-named keys with random-looking values outside Secrets and
//! Helm values.

use super::*;

#[test]
fn a_random_looking_value_assigned_to_a_secret_name_in_code_is_found() {
    let text = "package main\n\nconst apiKey = \"Zx9Qm2Lp7Rt4Vw8K\"\nvar password = \"mysecretpassword\"\nlet token = process.env.TOKEN;\nclient_secret: 'fJ3k-92Lq_x8Z0pW'\n";
    let r = scan("src/main.go", text);
    assert_eq!(
        ids(&r),
        vec![
            ("generic-secret", "apiKey".to_owned()),
            ("generic-secret", "client_secret".to_owned())
        ]
    );
    assert_eq!(r.findings[0].line, Some(3));
}

#[test]
fn a_password_in_a_compose_file_or_a_deployment_env_is_found() {
    let compose = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_USER: app\n      POSTGRES_PASSWORD: \"Qm7vX2pL9sK4wR8t\"\n";
    assert_eq!(
        ids(&scan("docker-compose.yml", compose)),
        vec![(
            "generic-secret",
            "services.db.environment.POSTGRES_PASSWORD".to_owned()
        )]
    );
    let deploy = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        env:\n        - name: LOG_LEVEL\n          value: info\n        - name: API_TOKEN\n          value: \"Zx9Qm2Lp7Rt4Vw8K\"\n";
    assert_eq!(
        ids(&scan("apps/app.yaml", deploy)),
        vec![(
            "generic-secret",
            "spec.template.spec.containers[0].env[1]".to_owned()
        )]
    );
}

#[test]
fn words_identifiers_references_and_templates_are_not_random() {
    let text = "password: not-a-secret-by-kind\nsecret: also-fine\ntoken: ${{ secrets.GITHUB_TOKEN }}\napiKeySecretName: app-api-key\nauth_url: https://auth.example.invalid/oauth2/token\npasswordFile: /run/secrets/db_password\nsecretKey: SecretKeyName\n";
    assert_eq!(ids(&scan(".github/workflows/ci.yml", text)), vec![]);
    assert_eq!(ids(&scan("notes/settings.txt", text)), vec![]);
}
