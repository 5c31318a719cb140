fn main() {
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let kind = "Secret";
}
