//! The local server's signing keys: from a variable, from a file, or
//! generated for this run.

use shared::config::ConfigError;
use shared::keys::{algorithm_name, parse_algorithm, Algorithm, SigningKey};

use crate::StartupError;

/// The main key's PEM and, when it is not RS256, the RS256 key's PEM.
pub struct LocalKeys {
    /// `SIGNING_KEY_PEM`.
    pub main: String,
    /// `RS256_SIGNING_KEY_PEM`, when the main key is ES256 or EdDSA.
    pub rs256: Option<String>,
}

/// Reads or generates the keys; `notes` says what was generated.
pub fn load(
    lookup: &impl Fn(&str) -> Option<String>,
    notes: &mut Vec<String>,
) -> Result<LocalKeys, StartupError> {
    let algorithm = parse_algorithm(&lookup("SIGNING_ALGORITHM").unwrap_or_else(|| "ES256".into()))
        .map_err(|e| ConfigError::Invalid {
            var: "SIGNING_ALGORITHM",
            problem: e.to_string(),
        })?;
    let main = pem_or_generated(
        lookup,
        ["SIGNING_KEY_PEM", "SIGNING_KEY_FILE"],
        algorithm,
        notes,
    )?;
    let rs256 = match algorithm {
        Algorithm::RS256 => None,
        _ => Some(pem_or_generated(
            lookup,
            ["RS256_SIGNING_KEY_PEM", "RS256_SIGNING_KEY_FILE"],
            Algorithm::RS256,
            notes,
        )?),
    };
    Ok(LocalKeys { main, rs256 })
}

/// The PEM variable, else the file the file variable names, else a new key.
fn pem_or_generated(
    lookup: &impl Fn(&str) -> Option<String>,
    [pem_var, file_var]: [&str; 2],
    algorithm: Algorithm,
    notes: &mut Vec<String>,
) -> Result<String, StartupError> {
    if let Some(pem) = lookup(pem_var) {
        return Ok(pem);
    }
    if let Some(path) = lookup(file_var) {
        return std::fs::read_to_string(&path)
            .map_err(|e| format!("{file_var} {path} can't be read ({e}); name a PEM file").into());
    }
    notes.push(format!(
        "generated a new {} key for this run (no {pem_var} or {file_var})",
        algorithm_name(algorithm)
    ));
    Ok(SigningKey::generate_pem(algorithm)?
        .expose_secret()
        .to_owned())
}
