# `--shard I/N`: the shards of the real suite together hold every case exactly once (tests/shard.sh).
add_test(NAME cli.shard COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/shard.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(cli.shard PROPERTIES LABELS "cli" TIMEOUT 180)
