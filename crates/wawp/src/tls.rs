//! The TLS setup handed to reqwest: rustls with the crypto provider chosen
//! by this crate's features, and the platform's certificate verifier.
//!
//! reqwest 0.13 is used with `rustls-no-provider`: the provider is given
//! here, per client, and never installed process-wide (a library must not
//! choose for the whole program).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls_platform_verifier::BuilderVerifierExt;

#[cfg(not(any(feature = "rustls-ring", feature = "rustls-aws-lc")))]
compile_error!(
    "wawp needs a TLS provider: enable the feature `rustls-ring` (default) or `rustls-aws-lc`"
);

/// The provider: aws-lc-rs when its feature is on, ring otherwise.
fn provider() -> CryptoProvider {
    #[cfg(feature = "rustls-aws-lc")]
    {
        rustls::crypto::aws_lc_rs::default_provider()
    }
    #[cfg(all(feature = "rustls-ring", not(feature = "rustls-aws-lc")))]
    {
        rustls::crypto::ring::default_provider()
    }
}

/// The name of the provider in use, for docs and tests.
pub(crate) const PROVIDER: &str = if cfg!(feature = "rustls-aws-lc") {
    "aws-lc-rs"
} else {
    "ring"
};

/// A client configuration: TLS 1.2 and 1.3, platform verifier, HTTP/1.1.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, String> {
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS ({PROVIDER}): {e}"))?
        .with_platform_verifier()
        .map_err(|e| format!("TLS certificate verifier: {e}"))?
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}
