//! Per-value cost of sealing and unsealing with a 4096-bit key (the controller's size).
//! `bench/unseal-vs-openssl` compares `unseal_value_4096` with `openssl speed rsa4096`.
// A bench that cannot set up its key has nothing to measure: panicking is right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use sealer_core::keys::generate_key;
use sealer_core::{Scope, SealedValue, SealingCert};

fn bench(c: &mut Criterion) {
    let now = 1_800_000_000;
    let key = generate_key(4096, 30, now).unwrap();
    let cert = SealingCert::from_pem(key.cert_pem.as_bytes(), now).unwrap();
    let label = Scope::Strict.label("prod", "db");
    let plaintext = b"correct horse battery staple";

    c.bench_function("seal_value_4096", |b| {
        b.iter(|| {
            cert.seal_value(Scope::Strict, "prod", "db", black_box(plaintext))
                .unwrap()
        })
    });

    let sealed = cert
        .seal_value(Scope::Strict, "prod", "db", plaintext)
        .unwrap()
        .to_base64();
    c.bench_function("unseal_value_4096", |b| {
        b.iter(|| {
            let v = SealedValue::parse(black_box(&sealed), "v").unwrap();
            key.key.open(&v, &label).unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(40).measurement_time(std::time::Duration::from_secs(8));
    targets = bench
}
criterion_main!(benches);
