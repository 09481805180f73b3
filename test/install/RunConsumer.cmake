# Installs graphjit into a scratch prefix; builds and runs a consumer project
# against it with find_package(graphjit); runs the installed tensorjit-opt
# (interpreter and JIT), then again after moving the prefix, which only works
# when the tool finds libgraphjit through $ORIGIN.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
macro(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
endmacro()
macro(expect_output text)
  string(FIND "${out}" "${text}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "expected '${text}' in the output, got:\n${out}\n${err}")
  endif()
endmacro()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer)
expect_output("consumer: f64[2] [2, 3.71828")

# The installed tool, with no library path from the environment.
set(tool_env ${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH)
run(${tool_env} ${prefix}/bin/tensorjit-opt --help)
expect_output("usage: tensorjit-opt")
run(${tool_env} ${prefix}/bin/tensorjit-opt ${INPUTS_DIR}/double.gj --eval --arg x=[1,2.5])
expect_output("%y = f64[2] [2, 5]")
file(RENAME ${prefix} ${WORK_DIR}/moved)
run(${tool_env} ${WORK_DIR}/moved/bin/tensorjit-opt ${INPUTS_DIR}/double.gj --run --arg x=[3])
expect_output("%y = f64[1] [6]")
message(STATUS "install test: consumer and installed tensorjit-opt ran")
