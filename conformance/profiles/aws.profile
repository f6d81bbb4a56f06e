# ecsconf endpoint profile: Amazon ECS itself (or an endpoint that must behave exactly like it).
# Format: conformance/README.md, "Profile files".
summary = Amazon ECS itself (or an endpoint that should behave exactly like it): credentials required
# No control endpoint, no test keys (credentials come from the AWS environment and config files), no default
# region (give --region or set AWS_REGION), no EC2 capacity the suite can make: Fargate cases need
# --var subnet=... --var security_group=... of the account, and the EC2 cases a cluster of the account whose
# container instances the ECS agent registered, --var cluster=NAME: every case then runs in that cluster, and
# those that create, delete or configure a cluster of their own are SKIP with the reason (conformance/README.md,
# "A cluster that already exists"). It could also be given here as var.cluster = NAME.
#   ecsconf run --endpoint https://ecs.eu-west-1.amazonaws.com --region eu-west-1 --profile aws --allow-tasks \
#       --var cluster=ecsconf-shared --var subnet=subnet-0abc... --var security_group=sg-0abc...
capabilities =
expect-fail = aws.expect-fail
