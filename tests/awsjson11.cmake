# Smithy awsJson1_1 response cases run against the response codec: one ctest per case id, named
# awsjson11.<id>. The data stays in ECSCONF_SHARED_DIR; when it is absent every case reports SKIP (77).
add_executable(awsjson11_response_case "${CMAKE_CURRENT_LIST_DIR}/awsjson11_response_case.c")
target_compile_options(awsjson11_response_case PRIVATE ${ECSCONF_WARNINGS})
target_link_libraries(awsjson11_response_case PRIVATE ecsconf_core)

set(_awsjson11_file "${ECSCONF_SHARED_DIR}/vectors/awsjson11/awsjson11-protocol-tests.json")

# All 14 error-type cases (topic error-type-resolution); awsjson11.error-cases-covered fails if the data
# holds one that is not listed here.
set(ECSCONF_AWSJSON11_ERROR_CASES
    AwsJson11InvalidGreetingError
    AwsJson11ComplexError
    AwsJson11EmptyComplexError
    AwsJson11FooErrorUsingXAmznErrorType
    AwsJson11FooErrorUsingXAmznErrorTypeWithUri
    AwsJson11FooErrorUsingXAmznErrorTypeWithUriAndNamespace
    AwsJson11FooErrorUsingCode
    AwsJson11FooErrorUsingCodeAndNamespace
    AwsJson11FooErrorUsingCodeUriAndNamespace
    AwsJson11FooErrorWithDunderType
    AwsJson11FooErrorWithDunderTypeAndNamespace
    AwsJson11FooErrorWithDunderTypeAndDifferentNamespace
    AwsJson11FooErrorWithDunderTypeUriAndNamespace
    AwsJson11FooErrorWithNestedTypeProperty)

# Response cases that apply to a RunTask codec (topics empty-body, empty-json-object-body,
# protocol-basics, request-id, null-handling, timestamps). Left out: httpdate timestamps (RunTask uses
# epoch seconds), sparse collections, unions, documents, blobs, enums and non-numeric floats (shapes
# RunTask does not have), and the server-only AwsJson11ServersDontSerializeNullStructureValues.
set(ECSCONF_AWSJSON11_RESPONSE_CASES
    handles_empty_output_shape
    handles_unexpected_json_output
    json_1_1_service_responds_with_no_payload
    parses_operations_with_empty_json_bodies
    parses_the_request_id_from_the_response
    AwsJson11StructuresDontDeserializeNullValues
    AwsJson11DateTimeWithNegativeOffset
    AwsJson11DateTimeWithPositiveOffset
    AwsJson11DateTimeWithFractionalSeconds
    parses_timestamp_shapes
    parses_iso8601_timestamps)

foreach(_id IN LISTS ECSCONF_AWSJSON11_ERROR_CASES ECSCONF_AWSJSON11_RESPONSE_CASES)
    add_test(NAME awsjson11.${_id} COMMAND awsjson11_response_case "${_awsjson11_file}" ${_id})
    set_tests_properties(awsjson11.${_id} PROPERTIES LABELS "awsjson11" SKIP_RETURN_CODE 77 TIMEOUT 30)
endforeach()
add_test(NAME awsjson11.error-cases-covered
         COMMAND awsjson11_response_case "${_awsjson11_file}" --covers-errors ${ECSCONF_AWSJSON11_ERROR_CASES})
set_tests_properties(awsjson11.error-cases-covered PROPERTIES LABELS "awsjson11" SKIP_RETURN_CODE 77 TIMEOUT 30)
