//! The OpenAPI spec, the routers, `template.yaml` and the `cargo lambda watch`
//! router in `Cargo.toml` agree: every route in each appears in the others,
//! with the same method, and (in the template and the watch router) on the
//! function whose router serves it.

use std::collections::BTreeSet;

use serde_yaml_ng::Value;
use shared::http::{authorize, delegation, revoke};

type Routes = BTreeSet<(String, String, String)>;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (function, METHOD, path) for every route the routers serve.
fn served() -> Routes {
    [
        ("authorize", authorize::route_list()),
        ("delegation", delegation::route_list()),
        ("revoke", revoke::route_list()),
    ]
    .into_iter()
    .flat_map(|(function, routes)| {
        routes.into_iter().map(move |(method, path)| {
            (
                function.to_owned(),
                method.as_str().to_owned(),
                path.to_owned(),
            )
        })
    })
    .collect()
}

fn yaml(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap()
}

/// (METHOD, path) for every operation in `openapi.yaml`.
fn specified() -> BTreeSet<(String, String)> {
    let spec = yaml(include_str!("../../../openapi.yaml"));
    assert_eq!(spec["openapi"].as_str(), Some("3.1.0"));
    let paths = spec["paths"].as_mapping().unwrap();
    paths
        .iter()
        .flat_map(|(path, item)| {
            let path = path.as_str().unwrap().to_owned();
            item.as_mapping()
                .unwrap()
                .keys()
                .filter_map(|k| k.as_str())
                .filter(|k| METHODS.contains(k))
                .map(move |method| (method.to_ascii_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// (function, METHOD, path) for every HttpApi event in `template.yaml`.
fn deployed() -> Routes {
    let template = yaml(include_str!("../../../template.yaml"));
    let mut routes = Routes::new();
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        let function = resource["Metadata"]["BuildProperties"]["Binary"]
            .as_str()
            .unwrap();
        for (_, event) in resource["Properties"]["Events"].as_mapping().unwrap() {
            assert_eq!(event["Type"].as_str(), Some("HttpApi"));
            let properties = &event["Properties"];
            routes.insert((
                function.to_owned(),
                properties["Method"].as_str().unwrap().to_ascii_uppercase(),
                properties["Path"].as_str().unwrap().to_owned(),
            ));
        }
    }
    routes
}

/// (function, METHOD, path) for every route of `[workspace.metadata.lambda.watch.router]`.
fn watched() -> Routes {
    let manifest: toml::Table = include_str!("../../../Cargo.toml").parse().unwrap();
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_array()
        .unwrap();
    router
        .iter()
        .flat_map(|route| {
            let function = route["function"].as_str().unwrap().to_owned();
            let path = route["path"].as_str().unwrap().to_owned();
            route["methods"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |m| {
                    (
                        function.clone(),
                        m.as_str().unwrap().to_owned(),
                        path.clone(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_spec_the_routers_and_the_template_name_the_same_routes() {
    let served = served();
    assert_eq!(served.len(), 36, "{served:#?}");
    assert_eq!(deployed(), served, "template.yaml against the routers");
    assert_eq!(
        watched(),
        served,
        "the cargo lambda watch router against the routers"
    );
    let without_function: BTreeSet<(String, String)> = served
        .into_iter()
        .map(|(_, method, path)| (method, path))
        .collect();
    assert_eq!(
        specified(),
        without_function,
        "openapi.yaml against the routers"
    );
}
