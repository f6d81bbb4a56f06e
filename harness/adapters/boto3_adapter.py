#!/usr/bin/env python3
"""ecsconf client adapter for boto3 (botocore). See `ecsconf client --help` for the contract.

Retries: botocore's standard mode with 3 attempts in all. Its backoff sleeps are shortened to 10 ms
(the suite checks what is sent on a retry, not how long the client waits), so a run stays fast.
Deadlines: connect and read timeouts of ECSCONF_ATTEMPT_TIMEOUT_MS (botocore's read timeout is per
socket read, not per attempt). An error botocore raises that is not an answer of the service (a read
timeout, a connection closed, an answer it cannot parse) is reported by its class name.
"""
import json
import os
import sys

try:
    import boto3
    import botocore.exceptions
    import botocore.retries.standard
    from botocore.config import Config
except ImportError as error:
    print(f"boto3 is not installed: {error}")
    sys.exit(89)

botocore.retries.standard.ExponentialBackoff.delay_amount = lambda self, context: 0.01

attempt_timeout_s = int(os.environ.get("ECSCONF_ATTEMPT_TIMEOUT_MS", "10000")) / 1000.0
with open(os.environ["ECSCONF_PARAMS"]) as f:
    params = json.load(f)
client = boto3.session.Session().client(
    "ecs",
    endpoint_url=os.environ["ECSCONF_ENDPOINT"],
    region_name=os.environ["AWS_REGION"],
    config=Config(retries={"mode": "standard", "total_max_attempts": 3},
                  connect_timeout=attempt_timeout_s, read_timeout=attempt_timeout_s),
)
try:
    body = client.run_task(**params)
except botocore.exceptions.ParamValidationError as error:
    print("botocore refuses these parameters before sending: " + " ".join(str(error).split())[:300])
    sys.exit(89)
except botocore.exceptions.ClientError as error:
    line = {"ok": False, "error": error.response.get("Error", {}).get("Code", ""),
            "message": error.response.get("Error", {}).get("Message", "")}
    if "resourceIds" in error.response:
        line["resourceIds"] = error.response["resourceIds"]
    print(json.dumps(line))
    sys.exit(0)
except botocore.exceptions.BotoCoreError as error:
    print(json.dumps({"ok": False, "error": type(error).__name__, "message": str(error)}))
    sys.exit(0)
print(json.dumps({"ok": True,
                  "taskArns": [t.get("taskArn") for t in body.get("tasks") or []],
                  "failures": body.get("failures") or []}, default=str))
