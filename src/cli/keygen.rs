//! `oauthscope keygen --out FILE [--alg ES256]`: a new private key for `private_key_jwt`
//! (and request objects), written to FILE readable by its owner only, and its public JWKS
//! printed for registering with the server (`jwks` in the client's metadata).

use std::io::Write as _;
use std::process::ExitCode;

use serde_json::json;

use super::output::{Out, OutputArgs, pretty_json};
use crate::oauth::keys::{ClientKey, signing_alg};

/// `oauthscope keygen`
#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key (PKCS#8 PEM). An existing file is never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
    /// The signature algorithm the key is for.
    #[arg(long, default_value = "ES256", value_parser = ["RS256", "PS256", "ES256", "EdDSA"])]
    pub alg: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: KeygenArgs) -> ExitCode {
    let out = Out::new(&args.output);
    let result = generate(&args);
    match result {
        Ok(key) => {
            let jwks = key.public_jwks();
            out.line(format!(
                "wrote the {} private key to {} (kid {})",
                key.alg().name(),
                args.out.display(),
                key.kid()
            ));
            out.line("register this public JWKS as the client's jwks:");
            out.line(pretty_json(&jwks));
            let doc = json!({
                "private_key": args.out.display().to_string(),
                "alg": key.alg().name(),
                "kid": key.kid(),
                "jwks": jwks,
            });
            out.finish("keygen", doc, Ok(()))
        }
        Err(reason) => out.finish("keygen", json!({}), Err(reason)),
    }
}

fn generate(args: &KeygenArgs) -> Result<ClientKey, String> {
    let alg = signing_alg(&args.alg).map_err(|e| e.to_string())?;
    let (key, pem) = ClientKey::generate(alg).map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let shown = args.out.display();
    let mut file = options
        .open(&args.out)
        .map_err(|e| format!("cannot create {shown}: {e} (an existing file is never replaced)"))?;
    file.write_all(pem.secret().as_bytes())
        .map_err(|e| format!("cannot write {shown}: {e}"))?;
    Ok(key)
}
