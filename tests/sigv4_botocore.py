"""Signs requests with botocore's SigV4 signer, for the differential test (tests/sigv4_botocore.c).

Input: a JSON file, a list of {method, url, headers: [[name, value], ...], body_hex, access_key_id,
secret_access_key, session_token, region, service, epoch_s, unsigned_payload}.
Output: one JSON line per request, {"signature": ..., "canonical_request": ...}, in the same order.
Exit 77 (skip) when botocore cannot be imported.
"""
import datetime
import json
import sys

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as error:  # the differential test is skipped, with the reason
    print(f"SKIP: botocore is not importable by {sys.executable}: {error}")
    sys.exit(77)


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        cases = json.load(handle)
    out = sys.stdout
    for case in cases:
        request = AWSRequest(method=case["method"], url=case["url"], data=bytes.fromhex(case["body_hex"]))
        for name, value in case["headers"]:
            request.headers[name] = value  # appends: repeated names are kept in order
        if case["unsigned_payload"]:
            request.context["payload_signing_enabled"] = False
        moment = datetime.datetime.fromtimestamp(case["epoch_s"], datetime.timezone.utc).replace(tzinfo=None)
        botocore.auth.get_current_datetime = lambda moment=moment: moment
        credentials = Credentials(case["access_key_id"], case["secret_access_key"], case["session_token"])
        signer = botocore.auth.SigV4Auth(credentials, case["service"], case["region"])
        captured = []
        compute = signer.canonical_request
        signer.canonical_request = lambda request, compute=compute: captured.append(compute(request)) or captured[-1]
        signer.add_auth(request)
        authorization = request.headers["Authorization"]
        signature = authorization.rsplit("Signature=", 1)[1]
        out.write(json.dumps({"signature": signature, "canonical_request": captured[-1]}))
        out.write("\n")
    print(f"botocore {botocore.__version__}", file=sys.stderr)


main()
