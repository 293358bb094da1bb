//! JWT signature verification speed: RS256, ES256 and EdDSA, the three algorithms servers
//! actually sign ID tokens with. Measures `check_signature_with_set` (JWK decoding, key
//! selection by kid, and the signature check) on a token decoded once up front, plus the full
//! decode + verify + claim checks path.

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::oauth::jwks::JwkSet;
use oauthscope::oauth::jwt::{self, ClaimRules, Jwt};
use serde_json::json;

#[path = "../tests/support/keys.rs"]
mod keys;
use keys::{TestKey, jwks, now};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("jwt_verify");
    for alg in ["RS256", "ES256", "EdDSA"] {
        let key = TestKey::generate(alg, "bench");
        let set = JwkSet::from_value(jwks(&[&key])).expect("test JWKS parses");
        let token = key.sign(&json!({
            "iss": "https://as.example", "sub": "alice", "aud": "app",
            "iat": now(), "exp": now() + 3600,
        }));
        let jwt = Jwt::decode(&token).expect("test token decodes");
        assert!(jwt::check_signature_with_set(&jwt, &set).verdict == jwt::Verdict::Pass);

        group.bench_function(format!("{alg}/signature"), |b| {
            b.iter(|| jwt::check_signature_with_set(std::hint::black_box(&jwt), &set))
        });
        let rules = ClaimRules {
            issuer: Some("https://as.example".into()),
            audience: Some("app".into()),
            ..ClaimRules::default()
        };
        group.bench_function(format!("{alg}/decode+verify+claims"), |b| {
            b.iter(|| {
                let jwt = Jwt::decode(std::hint::black_box(&token)).expect("decodes");
                jwt::verify_with_set(&jwt, &set, &rules)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
