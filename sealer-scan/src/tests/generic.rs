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

#[test]
fn properties_lines_and_password_flags_are_assignments_too() {
    // Missed by the blind evaluation of issue 11: a Spring properties password and a
    // password on a docker login command line.
    let props = "spring.datasource.url=jdbc:postgresql://db:5432/ledger\nspring.datasource.username=ledger\nspring.datasource.password=Tq7#pLm2Vx9sKd4Wz8Rb\nserver.port=8080\n";
    assert_eq!(
        ids(&scan("src/main/resources/application.properties", props)),
        vec![("generic-secret", "spring.datasource.password".to_owned())]
    );
    let jenkins = "pipeline {\n  stages {\n    stage('push') {\n      steps {\n        sh 'docker login -u jenkins -p Vq3mZ8rT2xLp9Ks4Wd registry.example.invalid'\n        sh 'helm push --password $HELM_PASSWORD chart.tgz'\n      }\n    }\n  }\n}\n";
    assert_eq!(
        ids(&scan("Jenkinsfile", jenkins)),
        vec![("generic-secret", "p".to_owned())]
    );
    let code = "password = getpass()\ntoken = os.environ['TOKEN']\n";
    assert_eq!(ids(&scan("tools/login.py", code)), vec![]);
}

#[test]
fn documentation_examples_pass_the_catch_all() {
    // Found on public repositories (issue 11): YAML snippets in Markdown with base64 of
    // words, a chart default, and flags with upper-case placeholders.
    let md = "```yaml\ndata:\n  token: VE9LRU4gd2FzIHRlbXBsYXRlZA==\n  password: bitnami1234\n```\n\nRun `docker login -u USER -p VALUE`, or `helm push --password PASSWORD`.\n";
    assert_eq!(ids(&scan("docs/guide.md", md)), vec![]);
}
