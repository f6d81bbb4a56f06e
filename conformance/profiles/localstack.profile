# ecsconf endpoint profile: a STARTING POINT for LocalStack. UNTESTED: LocalStack could not be installed where
# this suite is developed, so nothing below has been run against it and there is no expected-failure list yet.
# Format and how to grow it into a real profile: conformance/README.md, "LocalStack: a starting point".
#
#   ecsconf run --endpoint http://127.0.0.1:4566 --profile localstack --var subnet=... --var security_group=...
#
# What it assumes, from LocalStack's public documentation (to check): the edge port is 4566; ECS is served
# there with the other services; any access key is accepted and the key id chooses the account, the default
# account being 000000000000; us-east-1 is the default region.
summary = LocalStack (untested starting point): no control endpoint, any key accepted
capabilities =
region = us-east-1
account = 000000000000
test-access-key-id = test
test-secret-access-key = test
# Whether LocalStack lets a client register a made-up container instance (as moto does) is unknown: with
# ec2-instances = 1 the EC2 cases get one per cluster, and a failure says "capacity for cluster ..." if not.
ec2-instances = 0
# After a first run, list the deviations you confirmed, each with its reason:
#   expect-fail = localstack.expect-fail
