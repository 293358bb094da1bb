//! Token issuance cost: signing an RFC 9068 access token, which is nearly all the work the
//! mock's token endpoint does. Compare with `openssl speed -seconds 3 rsa2048 ecdsap256`.

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::mock::{SigningAlg, SigningKey};
use serde_json::json;

fn access_token_claims(jti: u64) -> serde_json::Value {
    json!({
        "iss": "http://127.0.0.1:9000",
        "sub": "demo-confidential",
        "aud": "http://127.0.0.1:9000",
        "exp": 1_900_003_600u64,
        "iat": 1_900_000_000u64,
        "jti": format!("jti-{jti}"),
        "client_id": "demo-confidential",
        "scope": "api:read api:write",
    })
}

fn sign_access_tokens(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign access token");
    for alg in [SigningAlg::RS256, SigningAlg::ES256] {
        let key = SigningKey::generate(alg).expect("key generation");
        let mut jti = 0u64;
        group.bench_function(alg.as_str(), |b| {
            b.iter(|| {
                jti += 1;
                key.sign_jwt("at+jwt", &access_token_claims(jti))
                    .expect("signing")
            })
        });
    }
    group.finish();
}

fn generate_keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("generate key");
    group.sample_size(10);
    for alg in [SigningAlg::RS256, SigningAlg::ES256] {
        group.bench_function(alg.as_str(), |b| {
            b.iter(|| SigningKey::generate(alg).expect("key generation"))
        });
    }
    group.finish();
}

criterion_group!(benches, sign_access_tokens, generate_keys);
criterion_main!(benches);
