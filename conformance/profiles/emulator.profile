# ecsconf endpoint profile: the embedded reference emulator, or `ecsconf emulate --control`.
# Format: conformance/README.md, "Profile files". The keys below are the emulator's documented test keys
# (docs/EMULATOR.md), published, never a real secret; a unit test holds them equal to the emulator's own.
summary = the embedded reference emulator (or `ecsconf emulate --control`): every capability
capabilities = fault-injection, clock-control
region = us-east-1
account = 000000000000
test-access-key-id = AKIDECSCONFEXAMPLE
test-secret-access-key = ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY
second-access-key-id = AKIDECSCONFBLOCKED
# The emulator accepts any well-formed id: these placeholders keep the run self-contained.
var.subnet = subnet-0a1b2c3d4e5f60718
var.security_group = sg-0123456789abcdef0
# The emulator simulates its own EC2 capacity (4 instances per cluster): no ec2-instances here.
expect-fail = emulator.expect-fail
