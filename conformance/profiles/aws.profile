# ecsconf endpoint profile: Amazon ECS itself (or an endpoint that must behave exactly like it).
# Format: conformance/README.md, "Profile files".
summary = Amazon ECS itself (or an endpoint that should behave exactly like it): credentials required
# No control endpoint, no test keys (credentials come from the AWS environment and config files), no default
# region (give --region or set AWS_REGION), no EC2 capacity the suite can make: Fargate cases need
# --var subnet=... --var security_group=... of the account.
capabilities =
expect-fail = aws.expect-fail
