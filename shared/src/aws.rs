//! What every AWS client of ours takes from the environment Lambda sets:
//! the region and the credentials (`AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`). Without credentials (a
//! local endpoint) it signs with placeholders. `aws-config`'s provider chains
//! (profiles, SSO, STS, IMDS) are left out: a function never needs them.

use aws_sdk_dynamodb::config::{Credentials, Region};

/// The credentials and region `lookup` names.
pub fn credentials_and_region(lookup: &impl Fn(&str) -> Option<String>) -> (Credentials, Region) {
    let credentials = match (lookup("AWS_ACCESS_KEY_ID"), lookup("AWS_SECRET_ACCESS_KEY")) {
        (Some(id), Some(secret)) => {
            Credentials::new(id, secret, lookup("AWS_SESSION_TOKEN"), None, "environment")
        }
        _ => Credentials::new("local", "local", None, None, "placeholder"),
    };
    let region = lookup("AWS_REGION")
        .or_else(|| lookup("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    (credentials, Region::new(region))
}
