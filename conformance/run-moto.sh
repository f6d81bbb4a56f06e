#!/usr/bin/env bash
# Runs the conformance suite against moto_server (moto 5.x) with the `moto` profile: starts moto on
# 127.0.0.1 on a free port with a bounded lifetime, creates a VPC, a subnet and a security group in moto's
# own EC2 (the `aws` CLI against the same endpoint, dummy credentials) and passes their ids as the run
# variables `subnet` and `security_group`, runs `ecsconf run --profile moto`, stops moto.
# The run is green only if exactly the cases of conformance/profiles/moto.expect-fail fail.
#
# Usage: conformance/run-moto.sh PATH/TO/ecsconf [more `ecsconf run` options, e.g. --junit moto.xml]
# Environment: ECSCONF_MOTO_LIFETIME_S (default 600) bounds moto's life even if this script is killed;
# ECSCONF_MOTO_SEED (default 1) is the run's --seed, fixed so that every run sends the same requests in
# the same order (moto's ListTasks filters the cluster by substring, so an order dependence would show
# as a verdict that changes from run to run; case ids avoid it, see success/run-count-one).
# Exit: that of `ecsconf run`; 77 (ctest SKIP) when moto_server, python3 or the aws CLI is missing; 3 when
# moto does not come up or the network resources cannot be created.
set -euo pipefail

if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    exit 0
fi
if [ $# -lt 1 ]; then
    echo "usage: $0 PATH/TO/ecsconf [ecsconf run options] (see --help)" >&2
    exit 2
fi
bin=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v moto_server >/dev/null 2>&1; then
    echo "SKIP: moto_server not found (pip install 'moto[server]')"
    exit 77
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "SKIP: python3 not found (needed to pick a free port)"
    exit 77
fi
if ! command -v aws >/dev/null 2>&1; then
    echo "SKIP: the aws CLI not found (needed to create the subnet and security group in moto)"
    exit 77
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
log=$(mktemp "${TMPDIR:-/tmp}/ecsconf-moto.XXXXXX")
timeout "${ECSCONF_MOTO_LIFETIME_S:-600}" moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto_pid=$!
cleanup() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -rf "$log" "$log.net"
}
trap cleanup EXIT INT TERM

# Wait (at most 30 s) until moto answers on its own API.
up=0
for _ in $(seq 1 150); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
        up=1
        break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        break
    fi
    sleep 0.2
done
if [ "$up" != 1 ]; then
    echo "moto_server did not come up on 127.0.0.1:$port:" >&2
    cat "$log" >&2
    exit 3
fi
echo "moto_server $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?') on 127.0.0.1:$port"

# moto does not check signatures; its test keys (and no config or credentials file) keep real
# credentials out of this run.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export NO_PROXY="127.0.0.1${NO_PROXY:+,$NO_PROXY}"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS AWS_ENDPOINT_URL_EC2

# The awsvpc cases need a subnet and a security group moto's EC2 knows. DNS hostnames are turned on
# because moto 5.2 cannot start an awsvpc task in a VPC without them (AttributeError 'private_dns_name',
# HTML 500; see conformance/README.md): with them on, the suite reaches moto's ECS checks.
ec2() {
    aws --endpoint-url "http://127.0.0.1:$port" --cli-connect-timeout 10 --cli-read-timeout 30 --output text ec2 "$@"
}
# The three calls after create-vpc run side by side (each `aws` start costs seconds).
net="$log.net"
mkdir "$net"
if ! vpc=$(ec2 create-vpc --cidr-block 10.40.0.0/16 --query Vpc.VpcId); then
    echo "cannot create a VPC in moto" >&2
    exit 3
fi
ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value": true}' >"$net/dns" 2>&1 &
dns_pid=$!
ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.40.1.0/24 --query Subnet.SubnetId >"$net/subnet" 2>&1 &
subnet_pid=$!
ec2 create-security-group --vpc-id "$vpc" --group-name ecsconf --description ecsconf --query GroupId \
    >"$net/sg" 2>&1 &
sg_pid=$!
net_ok=1
for pid in "$dns_pid" "$subnet_pid" "$sg_pid"; do
    wait "$pid" || net_ok=0
done
subnet=$(cat "$net/subnet")
security_group=$(cat "$net/sg")
if [ "$net_ok" != 1 ]; then
    echo "cannot set up the subnet and security group in moto:" >&2
    cat "$net"/* >&2
    exit 3
fi
echo "moto network: $vpc, subnet $subnet, security group $security_group"

cd "$root"
status=0
"$bin" run --endpoint "http://127.0.0.1:$port" --profile moto --suite "$root/conformance" \
    --var "subnet=$subnet" --var "security_group=$security_group" --seed "${ECSCONF_MOTO_SEED:-1}" \
    --confirm-initial-ms 200 --confirm-total-ms 5000 "$@" || status=$?
exit "$status"
