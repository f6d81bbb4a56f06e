#!/usr/bin/env python3
"""Makes the recorded fixture sets: the AWS CLI and boto3 each drive one ECS session through
`ecsconf record` against a local moto_server and against `ecsconf emulate`.

These recordings record THOSE endpoints (moto, the embedded emulator), not AWS: every fixture says so in
recorded.from. The session: CreateCluster, RegisterTaskDefinition, RunTask without a clientToken (the
SDK then fills one in: RunTask's clientToken is an idempotency token in the model), RunTask with an
explicit clientToken (Fargate on moto, EC2 on the emulator: see LAUNCH_TYPE), RunTask on a cluster that does not exist (the error), DescribeTasks, StopTask,
DeregisterTaskDefinition, DeleteCluster.

Every client and the recorder use distinctive fake credentials (a secret key and a session token
that cannot occur by chance), and the upstreams use their own accounts, so --check can prove that
none of them reached a file or the output: it scans the recording folder and everything ecsconf
printed, and first checks that the scan itself finds a planted secret.

Usage:
  conformance/record-sets.py --ecsconf build/ecsconf --out fixtures/recorded          # the committed set
  conformance/record-sets.py --ecsconf build/ecsconf --check                          # what CI runs
Exit: 0 done (and every check passed), 1 a check failed, 3 a peer did not come up, 77 a peer is missing
(moto_server, the aws CLI or boto3; ctest SKIP).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# Distinctive fake credentials: if any of these strings is found in a recording or in ecsconf's output, a
# secret leaked.
CLIENT_KEY = "AKIDRECORDCLIENTTEST"
CLIENT_SECRET = "clientSECRETrecordtest/ecsconf+LEAKCANARY0001"
CLIENT_TOKEN = "clientTOKENrecordtest//////////wEaCUxFQUtDQU5BUlkQ0002"
RECORDER_KEY = "AKIDRECORDERUPSTREAM"
RECORDER_SECRET = "recorderSECRETrecordtest/ecsconf+LEAKCANARY0003"
RECORDER_TOKEN = "recorderTOKENrecordtest//////////wEaCUxFQUtDQU5BUlkQ0004"
# The accounts of the upstreams: moto's fixed one, and the one the emulator is given here.
MOTO_ACCOUNT = "123456789012"
EMULATOR_ACCOUNT = "210987654321"
SECRETS = [CLIENT_SECRET, CLIENT_TOKEN, RECORDER_SECRET, RECORDER_TOKEN]
REGION = "us-east-1"
CONTAINERS = [{"name": "app", "image": "busybox", "memory": 128, "essential": True, "command": ["sleep", "60"]}]
# How each upstream can start a task at all: moto 5.2 starts EC2 tasks only on registered container
# instances (none here: "No instances found", HTML 500) and fails on awsvpc Fargate tasks (an
# AttributeError on its network interface, HTML 500), but starts a Fargate task without a network
# configuration, which ECS refuses (Fargate needs awsvpc). The emulator, like ECS, starts EC2 tasks on its
# own container instances. So each session uses what its upstream can do, and replaying one upstream's
# recording against the other shows exactly these differences.
LAUNCH_TYPE = {"moto": "FARGATE", "emulator": "EC2"}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(url, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            urllib.request.urlopen(url, timeout=1)
            return True
        except urllib.error.HTTPError:
            return True  # it answers
        except Exception:
            time.sleep(0.2)
    return False


class Peers:
    """The processes started here; all stopped at the end, whatever happens."""

    def __init__(self, work):
        self.procs = []
        self.work = work

    def start(self, name, argv, env=None):
        out = open(os.path.join(self.work, name + ".out"), "w+")
        err = open(os.path.join(self.work, name + ".err"), "w+")
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env)
        self.procs.append((proc, out, err))
        return proc, out, err

    def stop(self, proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def stop_all(self):
        for proc, out, err in self.procs:
            self.stop(proc)
            out.close()
            err.close()


def first_line(out, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        out.seek(0)
        line = out.readline()
        if line.endswith("\n"):
            return line.strip()
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def aws_session(url, cluster, family, launch_type):
    """The AWS CLI session; returns its combined output (not scanned: it holds the upstream's answers)."""
    env = dict(os.environ, AWS_ACCESS_KEY_ID=CLIENT_KEY, AWS_SECRET_ACCESS_KEY=CLIENT_SECRET,
               AWS_SESSION_TOKEN=CLIENT_TOKEN, AWS_DEFAULT_REGION=REGION, AWS_MAX_ATTEMPTS="1",
               AWS_RETRY_MODE="standard", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    base = ["aws", "ecs", "--endpoint-url", url, "--region", REGION, "--output", "json"]

    def call(*args, ok=True):
        proc = subprocess.run(base + list(args), env=env, capture_output=True, text=True, timeout=60)
        if ok and proc.returncode != 0:
            raise RuntimeError("aws ecs %s failed: %s" % (args[0], proc.stderr.strip()))
        return json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else None

    call("create-cluster", "--cluster-name", cluster)
    call("register-task-definition", "--family", family, "--container-definitions", json.dumps(CONTAINERS))
    first = call("run-task", "--cluster", cluster, "--task-definition", family, "--launch-type", launch_type)
    call("run-task", "--cluster", cluster, "--task-definition", family, "--launch-type", launch_type,
         "--client-token", "ecsconf-record-awscli-token-1")
    call("run-task", "--cluster", cluster + "-missing", "--task-definition", family, ok=False)
    arns = [t["taskArn"] for t in first["tasks"]]
    call("describe-tasks", "--cluster", cluster, "--tasks", *arns)
    for arn in arns:
        call("stop-task", "--cluster", cluster, "--task", arn, "--reason", "ecsconf record session")
    call("deregister-task-definition", "--task-definition", family + ":1")
    call("delete-cluster", "--cluster", cluster, ok=False)


def boto3_session(url, cluster, family, launch_type):
    import boto3
    import botocore.config
    import botocore.exceptions
    client = boto3.client("ecs", endpoint_url=url, region_name=REGION, aws_access_key_id=CLIENT_KEY,
                          aws_secret_access_key=CLIENT_SECRET, aws_session_token=CLIENT_TOKEN,
                          config=botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"}))
    client.create_cluster(clusterName=cluster)
    client.register_task_definition(family=family, containerDefinitions=CONTAINERS)
    first = client.run_task(cluster=cluster, taskDefinition=family, launchType=launch_type)
    client.run_task(cluster=cluster, taskDefinition=family, launchType=launch_type,
                    clientToken="ecsconf-record-boto3-token-1")
    try:
        client.run_task(cluster=cluster + "-missing", taskDefinition=family)
    except botocore.exceptions.ClientError:
        pass
    arns = [t["taskArn"] for t in first["tasks"]]
    client.describe_tasks(cluster=cluster, tasks=arns)
    for arn in arns:
        client.stop_task(cluster=cluster, task=arn, reason="ecsconf record session")
    client.deregister_task_definition(taskDefinition=family + ":1")
    try:
        client.delete_cluster(cluster=cluster)
    except botocore.exceptions.ClientError:
        pass


def record(peers, ecsconf, upstream_url, kind, client, out_dir, recorder_env):
    name = "%s-%s" % (kind, client)
    os.makedirs(os.path.dirname(os.path.abspath(out_dir)), exist_ok=True)
    proc, out, err = peers.start("record-" + name, [ecsconf, "record", "--upstream", upstream_url, "--from", kind,
                                                    "--name", name, "--out", out_dir, "--region", REGION,
                                                    "--timeout-ms", "60000"], env=recorder_env)
    url = first_line(out, proc)
    if not url or not url.startswith("http://127.0.0.1:"):
        err.seek(0)
        raise RuntimeError("ecsconf record did not print its URL first: " + err.read().strip())
    cluster, family = "ecsconf-rec-" + client, "ecsconf-rec-" + client
    (aws_session if client == "awscli" else boto3_session)(url, cluster, family, LAUNCH_TYPE[kind])
    peers.stop(proc)
    if proc.returncode != 0:
        raise RuntimeError("ecsconf record exited %d" % proc.returncode)


def scan(paths, forbidden):
    """Every forbidden string found in the files under `paths`: [(file, label)]."""
    found = []
    for path in paths:
        files = [path] if os.path.isfile(path) else [os.path.join(d, f) for d, _, fs in os.walk(path) for f in fs]
        for file in files:
            with open(file, "rb") as handle:
                data = handle.read()
            for label, text in forbidden:
                if text.encode() in data:
                    found.append((file, label))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecsconf", required=True)
    parser.add_argument("--out", help="folder of the sets: <out>/moto, <out>/emulator (default with --check: a "
                        "temporary folder, removed afterwards)")
    parser.add_argument("--check", action="store_true", help="load the sets and scan for secrets afterwards")
    parser.add_argument("--only", choices=["moto", "emulator"], help="record one upstream only")
    args = parser.parse_args()
    temporary_out = None
    if not args.out:
        if not args.check:
            parser.error("--out is required without --check")
        temporary_out = args.out = tempfile.mkdtemp(prefix="ecsconf-record-out.")
    try:
        return run(args)
    finally:
        if temporary_out:
            shutil.rmtree(temporary_out, ignore_errors=True)


def run(args):
    ecsconf = os.path.abspath(args.ecsconf)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    kinds = [args.only] if args.only else ["moto", "emulator"]
    if "moto" in kinds and not shutil.which("moto_server"):
        print("SKIP: moto_server not found (pip install 'moto[server]')")
        return 77
    if not shutil.which("aws"):
        print("SKIP: the aws CLI not found")
        return 77
    try:
        import boto3  # noqa: F401
    except ImportError:
        print("SKIP: boto3 not found")
        return 77

    work = tempfile.mkdtemp(prefix="ecsconf-record-sets.")
    peers = Peers(work)
    try:
        upstreams = {}
        if "moto" in kinds:
            port = free_port()
            proc, _, _ = peers.start("moto", ["timeout", "300", "moto_server", "-H", "127.0.0.1", "-p", str(port)])
            if not wait_for("http://127.0.0.1:%d/moto-api/" % port, proc):
                print("moto_server did not come up", file=sys.stderr)
                return 3
            # moto loads its ECS backend on the first ECS call, which can take seconds on a busy machine:
            # make that call here, straight to moto, so no recorded exchange waits for it.
            import boto3
            boto3.client("ecs", endpoint_url="http://127.0.0.1:%d" % port, region_name=REGION, aws_access_key_id="x",
                         aws_secret_access_key="y").list_clusters()
            # moto accepts any key: the recorder signs with distinctive fake ones, session token included.
            upstreams["moto"] = ("http://127.0.0.1:%d" % port,
                                 dict(os.environ, AWS_ACCESS_KEY_ID=RECORDER_KEY, AWS_SECRET_ACCESS_KEY=RECORDER_SECRET,
                                      AWS_SESSION_TOKEN=RECORDER_TOKEN))
        if "emulator" in kinds:
            keys = os.path.join(work, "keys.txt")  # the key file format of emulate --keys and verify --keys
            with open(keys, "w") as handle:
                handle.write("%s %s account=%s\n" % (RECORDER_KEY, RECORDER_SECRET, EMULATOR_ACCOUNT))
            proc, out, _ = peers.start("emulator", [ecsconf, "emulate", "--listen", "127.0.0.1:0", "--keys", keys,
                                                    "--seed", "1"])
            port = first_line(out, proc)
            if not port:
                print("ecsconf emulate did not come up", file=sys.stderr)
                return 3
            # The emulator checks signatures; its key file gives this key no session token, so the recorder
            # signs without one.
            env = dict(os.environ, AWS_ACCESS_KEY_ID=RECORDER_KEY, AWS_SECRET_ACCESS_KEY=RECORDER_SECRET)
            env.pop("AWS_SESSION_TOKEN", None)
            upstreams["emulator"] = ("http://127.0.0.1:%s" % port, env)
        for kind in kinds:
            url, env = upstreams[kind]
            for client in ("awscli", "boto3"):
                record(peers, ecsconf, url, kind, client, os.path.join(args.out, kind), env)
        peers.stop_all()
        for kind in kinds:
            count = len([f for f in os.listdir(os.path.join(args.out, kind)) if f.endswith(".json")])
            print("%s: %d exchanges recorded into %s" % (kind, count, os.path.join(args.out, kind)))
        if not args.check:
            return 0
        return check(args, ecsconf, root, work, kinds)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print("record-sets: %s" % error, file=sys.stderr)
        return 1
    finally:
        peers.stop_all()
        shutil.rmtree(work, ignore_errors=True)


def check(args, ecsconf, root, work, kinds):
    failed = False
    # 1. The recordings load with the project's own fixtures, unchanged.
    fixtures = os.path.join(work, "fixtures")
    shutil.copytree(os.path.join(root, "fixtures"), fixtures)
    shutil.rmtree(os.path.join(fixtures, "recorded"), ignore_errors=True)
    shutil.copytree(args.out, os.path.join(fixtures, "recorded"))
    listing = subprocess.run([ecsconf, "run", "--list", "--suite", os.path.join(root, "conformance"),
                              "--fixtures", fixtures], capture_output=True, text=True, timeout=60)
    if listing.returncode != 0:
        print("FAIL: the recordings do not load:\n" + listing.stderr, file=sys.stderr)
        failed = True
    else:
        print("ok: the recordings load (%s)" % listing.stdout.strip().splitlines()[-1])
    # 2. Each session left what it should: every operation, RunTask with and without a clientToken, an error.
    for kind in kinds:
        for client in ("awscli", "boto3"):
            ops, tokens, errors = [], 0, 0
            folder = os.path.join(args.out, kind)
            for name in sorted(os.listdir(folder)):
                if not name.startswith("%s-%s-" % (kind, client)):
                    continue
                with open(os.path.join(folder, name)) as handle:
                    fixture = json.load(handle)
                ops.append(fixture["operation"])
                body = fixture["request"].get("body") or {}
                if fixture["operation"] == "RunTask" and str(body.get("clientToken", "")).startswith("ecsconf-record"):
                    tokens += 1
                errors += fixture["response"]["status"] >= 400
                if fixture["recorded"]["from"] != kind:
                    print("FAIL: %s says recorded.from %s" % (name, fixture["recorded"]["from"]), file=sys.stderr)
                    failed = True
            want = ["CreateCluster", "RegisterTaskDefinition", "RunTask", "DescribeTasks", "StopTask"]
            missing = [op for op in want if op not in ops]
            if missing or ops.count("RunTask") < 3 or tokens != 1 or errors < 1:
                print("FAIL: %s/%s: operations %s (missing %s), %d explicit clientToken, %d errors"
                      % (kind, client, ops, missing, tokens, errors), file=sys.stderr)
                failed = True
            else:
                print("ok: %s/%s: %d exchanges, every operation of the session" % (kind, client, len(ops)))
    # 3. No secret, token, signature or real account id in the recordings or in what ecsconf printed.
    forbidden = [("a secret key or session token", s) for s in SECRETS]
    forbidden += [("a SigV4 signature", "Signature="), ("a presigned signature", "X-Amz-Signature"),
                  ("the account id of moto", MOTO_ACCOUNT), ("the account id of the emulator", EMULATOR_ACCOUNT)]
    printed = [os.path.join(work, f) for f in os.listdir(work) if f.startswith("record-")]
    canary = os.path.join(work, "canary")
    os.mkdir(canary)
    with open(os.path.join(canary, "planted.json"), "w") as handle:
        handle.write('{"x": "%s"}' % CLIENT_TOKEN)
    if not scan([canary], forbidden):
        print("FAIL: the scan does not find a planted session token", file=sys.stderr)
        return 1
    found = scan([args.out] + printed, forbidden)
    for file, label in found:
        print("FAIL: %s holds %s" % (file, label), file=sys.stderr)
    failed = failed or bool(found)
    if not found:
        print("ok: no secret, token, signature or real account id in %d recorded files and %d outputs"
              % (sum(len(fs) for _, _, fs in os.walk(args.out)), len(printed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
