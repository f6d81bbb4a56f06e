#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz entry point: everything is in the project's own fuzz/build.sh.
"$SRC/ecsconf/fuzz/build.sh"
