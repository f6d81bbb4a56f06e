# ecsconf endpoint profile: moto_server 5.x (conformance/run-moto.sh runs the suite with it).
# Format: conformance/README.md, "Profile files".
summary = moto_server 5.x: no control endpoint; signatures not checked, so any key works; each case's cluster gets an EC2 container instance
# No control endpoint: the fault and clock cases are SKIPped.
capabilities =
region = us-east-1
account = 123456789012
# moto checks no key: these are the values its documentation uses.
test-access-key-id = testing
test-secret-access-key = testing
# Each cluster a case creates gets one EC2 instance, registered as a container instance (conformance/README.md,
# "EC2 capacity"), so EC2 cases reach the rule they test instead of stopping in placement.
ec2-instances = 1
# moto looks subnets and security groups up in its own EC2: run-moto.sh creates them and passes --var.
expect-fail = moto.expect-fail
