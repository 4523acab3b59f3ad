"""template.yaml as its users' CI sees it: cfn-lint reports nothing, and the
SAM transform (aws-sam-translator, offline) gives the three functions on their
routes, per-function IAM limited to the table and its own actions, a table
with point-in-time recovery and TTL, and the signing keys as NoEcho.

Run: python -m unittest discover -s tests/sam (with the venv from scripts/python-tools).
"""

import copy
import os
import subprocess
import unittest
from pathlib import Path

import yaml
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"

# What each function may do on the table, and nothing else.
ACTIONS = {
    "AuthorizeFunction": {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem",
                          "dynamodb:UpdateItem"},
    "DelegationFunction": {"dynamodb:UpdateItem", "dynamodb:GetItem", "dynamodb:DeleteItem",
                           "dynamodb:PutItem", "dynamodb:Query"},
    "RevokeFunction": {"dynamodb:Query", "dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem"},
}
TABLE_ARN = {
    "Fn::If": [
        "StronglyConsistentGlobalTable",
        {"Fn::GetAtt": ["TokensGlobalTable", "Arn"]},
        {"Fn::GetAtt": ["TokensTable", "Arn"]},
    ]
}
# Reading the key secrets: GetSecretValue on exactly the ARNs given, no other secret.
SECRETS_STATEMENT = {
    "Effect": "Allow",
    "Action": ["secretsmanager:GetSecretValue"],
    "Resource": [
        {"Fn::If": [condition, {"Ref": parameter}, {"Ref": "AWS::NoValue"}]}
        for condition, parameter in [
            ("HasSigningKeySecret", "SigningKeySecretArn"),
            ("HasRs256KeySecret", "Rs256SigningKeySecretArn"),
            ("HasPreviousKeysSecret", "PreviousSigningKeysSecretArn"),
            ("HasRefreshKeysSecret", "RefreshTokenKeysSecretArn"),
        ]
    ],
}
INDEX_ARN = {
    "Fn::If": [
        "StronglyConsistentGlobalTable",
        {"Fn::Sub": "${TokensGlobalTable.Arn}/index/by_credential_id"},
        {"Fn::Sub": "${TokensTable.Arn}/index/by_credential_id"},
    ]
}


class CloudFormationLoader(yaml.SafeLoader):
    """Reads CloudFormation's short tags (!Ref, !GetAtt, !Sub, …) as their long forms."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CloudFormationLoader.add_multi_constructor("!", _tag)


class NoManagedPolicies:
    """The translator's managed-policy loader, offline: the template names none of its own."""

    def load(self):
        return {"AWSLambdaBasicExecutionRole": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}


def translated():
    # The translator asks boto for the region even when it is given one.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    template = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    template = copy.deepcopy(template)
    # SAM builds the code; the transform only needs somewhere it could live.
    template["Globals"]["Function"]["CodeUri"] = "s3://offline-access-build/code.zip"
    parameters = {"AWS::Region": "us-east-1", "AWS::Partition": "aws", "AWS::AccountId": "123456789012"}
    return template, transform(template, parameters, NoManagedPolicies())


class TemplateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source, cls.output = translated()
        cls.resources = cls.output["Resources"]

    def of_type(self, kind):
        return {name: r for name, r in self.resources.items() if r["Type"] == kind}

    def test_cfn_lint_reports_nothing(self):
        result = subprocess.run(["cfn-lint", str(TEMPLATE)], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout.strip(), "")

    def test_three_functions_on_arm64_al2023(self):
        functions = self.of_type("AWS::Lambda::Function")
        self.assertEqual(set(functions), set(ACTIONS))
        for name, function in functions.items():
            properties = function["Properties"]
            self.assertEqual(properties["Runtime"], "provided.al2023", name)
            self.assertEqual(properties["Architectures"], ["arm64"], name)
            self.assertLess(properties["Timeout"], 30, name)

    def test_every_route_goes_to_its_function(self):
        api = self.of_type("AWS::ApiGatewayV2::Api")
        self.assertEqual(len(api), 1)
        paths = next(iter(api.values()))["Properties"]["Body"]["paths"]
        routed = set()
        for path, operations in paths.items():
            for method, operation in operations.items():
                uri = operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
                function = uri.split("/functions/${")[1].split(".Arn}")[0]
                routed.add((function, method.upper(), path))
        expected = set()
        for name, resource in self.source["Resources"].items():
            for event in resource.get("Properties", {}).get("Events", {}).values():
                expected.add((name, event["Properties"]["Method"].upper(), event["Properties"]["Path"]))
        self.assertEqual(routed, expected)
        spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
        specified = {(m.upper(), p) for p, item in spec["paths"].items() for m in item
                     if m in ("get", "post", "delete", "options")}
        self.assertEqual({(m, p) for _, m, p in routed}, specified)

    def test_each_role_names_only_the_table_and_its_own_actions(self):
        roles = self.of_type("AWS::IAM::Role")
        for function, actions in ACTIONS.items():
            role = roles[f"{function}Role"]["Properties"]
            self.assertEqual(role["ManagedPolicyArns"],
                             ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"])
            # The key-secrets policy exists only when a secret ARN is given.
            conditional = [p["Fn::If"] for p in role["Policies"] if "Fn::If" in p]
            self.assertEqual([c[0] for c in conditional], ["HasKeySecrets"], function)
            self.assertEqual(conditional[0][2], {"Ref": "AWS::NoValue"}, function)
            self.assertEqual(conditional[0][1]["PolicyDocument"]["Statement"], [SECRETS_STATEMENT], function)
            policies = [p for p in role["Policies"] if "Fn::If" not in p]
            statements = [s for p in policies for s in p["PolicyDocument"]["Statement"]]
            on_table = [s for s in statements if s["Resource"] == TABLE_ARN]
            self.assertEqual(len(on_table), 1, function)
            self.assertEqual(set(on_table[0]["Action"]), actions, function)
            others = [s for s in statements if s["Resource"] != TABLE_ARN]
            bus = {"Effect": "Allow", "Action": ["events:PutEvents"],
                   "Resource": {"Fn::GetAtt": ["SecurityEventBus", "Arn"]}}
            if function == "RevokeFunction":
                self.assertEqual(others, [bus, {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": INDEX_ARN}])
            else:
                self.assertEqual(others, [bus], function)
            for statement in statements:
                self.assertEqual(statement["Effect"], "Allow")
                self.assertNotIn("*", str(statement["Action"]) + str(statement["Resource"]), function)

    def test_the_table_has_pitr_ttl_and_encryption(self):
        table = self.resources["TokensTable"]
        properties = table["Properties"]
        self.assertEqual(table["DeletionPolicy"], "Retain")
        self.assertTrue(properties["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        self.assertEqual(properties["TimeToLiveSpecification"], {"AttributeName": "expires_at", "Enabled": True})
        self.assertTrue(properties["SSESpecification"]["SSEEnabled"])
        self.assertEqual([k["AttributeName"] for k in properties["KeySchema"]], ["pk", "sk"])

    def test_the_multi_region_option_is_off_by_default_and_strongly_consistent(self):
        self.assertEqual(self.source["Parameters"]["MultiRegion"]["Default"], "off")
        single = self.source["Resources"]["TokensTable"]
        self.assertEqual(single["Condition"], "SingleRegionTable")
        table = self.source["Resources"]["TokensGlobalTable"]
        self.assertEqual(table["Condition"], "StronglyConsistentGlobalTable")
        self.assertEqual(table["DeletionPolicy"], "Retain")
        properties = table["Properties"]
        # Eventual consistency (MREC) would let two Regions both win a
        # rotation's conditional write: only STRONG keeps reuse detection.
        self.assertEqual(properties["MultiRegionConsistency"], "STRONG")
        self.assertEqual(len(properties["Replicas"]), 2)
        self.assertEqual(len(properties["GlobalTableWitnesses"]), 1)
        for replica in properties["Replicas"]:
            self.assertTrue(replica["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "SSESpecification"):
            self.assertEqual(properties[key], single["Properties"][key], key)

    def test_alarms_on_the_topic_and_a_dashboard_of_our_metrics(self):
        alarms = self.of_type("AWS::CloudWatch::Alarm")
        self.assertEqual(set(alarms), {"ReuseDetectedAlarm", "ServerErrorRateAlarm",
                                       "DynamoThrottlingAlarm", "P99LatencyAlarm"})
        for name, alarm in alarms.items():
            actions = alarm["Properties"]["AlarmActions"]
            self.assertEqual(actions["Fn::If"][0], "HasAlarmTopic", name)
            self.assertEqual(actions["Fn::If"][1], [{"Ref": "AlarmTopicArn"}], name)
        reuse = alarms["ReuseDetectedAlarm"]["Properties"]
        # The metric the functions emit as EMF lines (shared::observe).
        self.assertEqual((reuse["Namespace"], reuse["MetricName"]), ("OfflineAccess", "SecurityEvents"))
        self.assertEqual(reuse["Dimensions"], [{"Name": "Code", "Value": "reuse_detected"}])
        self.assertEqual(alarms["P99LatencyAlarm"]["Properties"]["ExtendedStatistic"], "p99")
        body = self.source["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
        for shown in ("Refreshes", "SignIns", "Revocations", "Unavailable", "StoreLatency", "reuse_detected"):
            self.assertIn(shown, body)
        bus = self.source["Resources"]["SecurityEventBus"]
        self.assertEqual(bus["Type"], "AWS::Events::EventBus")
        for name, function in self.of_type("AWS::Lambda::Function").items():
            env = function["Properties"]["Environment"]["Variables"]
            self.assertEqual(env["EVENT_BUS_NAME"], {"Ref": "SecurityEventBus"}, name)

    def test_signing_keys_are_no_echo(self):
        parameters = self.output["Parameters"]
        for name in ("SigningKeyPem", "PreviousSigningKeysPem", "Rs256SigningKeyPem", "RefreshTokenKeys"):
            self.assertIs(parameters[name]["NoEcho"], True, name)


if __name__ == "__main__":
    unittest.main()
