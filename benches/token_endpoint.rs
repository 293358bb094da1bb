//! The mock's token endpoint over real HTTP on loopback, one connection kept alive: a
//! client-credentials token signed with RS256 and with ES256, and `GET /jwks` as the same
//! server's floor (HTTP, routing and JSON with no signing). The gap between the token rows
//! and the JWKS row is what the token path adds beyond the signature (see token_issuance).
//! Under load, scripts/bench-servers.sh and scripts/load-token.sh measure throughput.
//!
//! `cargo bench --bench token_endpoint`

use criterion::{Criterion, criterion_group, criterion_main};
use oauthscope::mock::{
    DEMO_CONFIDENTIAL_CLIENT, DEMO_SECRET, MockConfig, MockServer, RunningMock, SigningAlg,
};

fn start(runtime: &tokio::runtime::Runtime, alg: SigningAlg) -> RunningMock {
    let mut config = MockConfig::demo();
    config.signing_alg = alg;
    runtime
        .block_on(MockServer::start(config))
        .expect("the mock starts")
}

fn token_endpoint(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group("mock over HTTP");
    for alg in [SigningAlg::RS256, SigningAlg::ES256] {
        let mock = start(&runtime, alg);
        let token_url = format!("{}/token", mock.issuer());
        let send = || async {
            let response = http
                .post(&token_url)
                .basic_auth(DEMO_CONFIDENTIAL_CLIENT, Some(DEMO_SECRET))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await
                .expect("the mock answers");
            assert!(response.status().is_success(), "{}", response.status());
            response.bytes().await.expect("a body")
        };
        // The first token waits for the key generated in the background at start.
        runtime.block_on(send());
        group.bench_function(
            format!("POST /token client_credentials {}", alg.as_str()),
            |b| b.iter(|| runtime.block_on(send())),
        );
        if alg == SigningAlg::ES256 {
            let jwks_url = format!("{}/jwks", mock.issuer());
            group.bench_function("GET /jwks", |b| {
                b.iter(|| {
                    runtime.block_on(async {
                        let response = http.get(&jwks_url).send().await.expect("the mock answers");
                        assert!(response.status().is_success());
                        response.bytes().await.expect("a body")
                    })
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, token_endpoint);
criterion_main!(benches);
