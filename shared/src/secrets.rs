//! Keys from AWS Secrets Manager, read once at cold start. Each secret
//! variable (`SIGNING_KEY_PEM`, `RS256_SIGNING_KEY_PEM`,
//! `PREVIOUS_SIGNING_KEYS_PEM`, `REFRESH_TOKEN_KEYS`) may instead be named by
//! `<…>_SECRET_ARN`: the secret's string value replaces it, so the key never
//! sits in the function's configuration.

use std::collections::HashMap;

use aws_sdk_secretsmanager::config::BehaviorVersion;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_secretsmanager::Client;

use crate::config::ConfigError;

/// Each secret variable and the variable that names its secret instead.
pub const SECRET_VARIABLES: [(&str, &str); 4] = [
    ("SIGNING_KEY_PEM", "SIGNING_KEY_SECRET_ARN"),
    ("RS256_SIGNING_KEY_PEM", "RS256_SIGNING_KEY_SECRET_ARN"),
    (
        "PREVIOUS_SIGNING_KEYS_PEM",
        "PREVIOUS_SIGNING_KEYS_SECRET_ARN",
    ),
    ("REFRESH_TOKEN_KEYS", "REFRESH_TOKEN_KEYS_SECRET_ARN"),
];

/// The values read from Secrets Manager, by the variable they stand for.
/// Its `Debug` names the variables only.
#[derive(Default)]
pub struct Secrets(HashMap<&'static str, String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Secrets {
    /// The value read for `variable`, if its secret was named.
    pub fn get(&self, variable: &str) -> Option<String> {
        self.0.get(variable).cloned()
    }
}

/// Reads every secret whose ARN `lookup` names, side by side. Errors name
/// the `…_SECRET_ARN` variable and what went wrong, never a value.
/// `SECRETS_MANAGER_ENDPOINT_URL` points the client elsewhere (tests).
pub async fn resolve(lookup: impl Fn(&str) -> Option<String>) -> Result<Secrets, ConfigError> {
    let mut wanted = Vec::new();
    for (variable, arn_variable) in SECRET_VARIABLES {
        let Some(arn) = lookup(arn_variable) else {
            continue;
        };
        if lookup(variable).is_some() {
            return Err(ConfigError::Invalid {
                var: arn_variable,
                problem: format!("{variable} is set too; set one of them"),
            });
        }
        if !(arn.starts_with("arn:")
            && arn.contains(":secretsmanager:")
            && arn.contains(":secret:"))
        {
            return Err(ConfigError::Invalid {
                var: arn_variable,
                problem: "it is not a secret ARN; give \
                          arn:aws:secretsmanager:<region>:<account>:secret:<name>"
                    .into(),
            });
        }
        wanted.push((variable, arn_variable, arn));
    }
    if wanted.is_empty() {
        return Ok(Secrets::default());
    }
    let client = client(&lookup);
    let reads = wanted.into_iter().map(|(variable, arn_variable, arn)| {
        let client = client.clone();
        async move {
            read(&client, arn_variable, &arn)
                .await
                .map(|value| (variable, value))
        }
    });
    let values = futures_util::future::try_join_all(reads).await?;
    Ok(Secrets(values.into_iter().collect()))
}

/// One secret's string value.
async fn read(
    client: &Client,
    arn_variable: &'static str,
    arn: &str,
) -> Result<String, ConfigError> {
    let invalid = |problem: String| ConfigError::Invalid {
        var: arn_variable,
        problem,
    };
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|err| {
            let code = err.as_service_error().and_then(ProvideErrorMetadata::code);
            invalid(match code {
                Some("ResourceNotFoundException") => {
                    "no secret has that ARN in this region (ResourceNotFoundException); \
                     check the ARN"
                        .into()
                }
                Some("AccessDeniedException") => "the function may not read it \
                     (AccessDeniedException); grant secretsmanager:GetSecretValue on it"
                    .into(),
                Some(code @ ("ValidationException" | "InvalidParameterException")) => {
                    format!("it is not a valid secret ARN ({code})")
                }
                Some(code) => format!("Secrets Manager refused it ({code})"),
                None => format!(
                    "Secrets Manager can't be reached ({})",
                    short(&DisplayErrorContext(&err).to_string())
                ),
            })
        })?;
    output
        .secret_string
        .filter(|value| !value.trim().is_empty())
        .ok_or_else(|| invalid("the secret holds no string value; store the key as text".into()))
}

/// The Secrets Manager client, with the region and credentials Lambda sets.
fn client(lookup: &impl Fn(&str) -> Option<String>) -> Client {
    let (credentials, region) = crate::aws::credentials_and_region(lookup);
    let mut config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(region)
        .credentials_provider(credentials);
    if let Some(endpoint) = lookup("SECRETS_MANAGER_ENDPOINT_URL") {
        config = config.endpoint_url(endpoint);
    }
    Client::from_conf(config.build())
}

/// The gist of a connection error: one short line.
fn short(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    ["connection refused", "timed out", "dns error"]
        .into_iter()
        .find(|phrase| lower.contains(phrase))
        .map_or_else(|| text.chars().take(80).collect(), str::to_owned)
}
