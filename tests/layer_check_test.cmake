# ctest: the layer check passes on the source tree and fails on a planted wrong include.
#   cmake -DROOT=<source tree> -DLAYERS=<layers.txt> -DWORK=<scratch dir> -P layer_check_test.cmake
cmake_minimum_required(VERSION 3.25)
set(check ${ROOT}/cmake/check_layers.cmake)

function(run_check tree out_result out_output)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${tree} -DLAYERS=${LAYERS} -P ${check}
                  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  set(${out_result} ${result} PARENT_SCOPE)
  set(${out_output} "${output}" PARENT_SCOPE)
endfunction()

run_check(${ROOT} result output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the check fails on the source tree:\n${output}")
endif()

# A copy of eventstore/ (which may include base/ only) with one file that includes a
# domain header, and a copy of projections/ with one that includes commands/.
file(REMOVE_RECURSE ${WORK})
file(COPY ${ROOT}/eventstore ${ROOT}/projections ${ROOT}/base DESTINATION ${WORK})
file(WRITE ${WORK}/eventstore/planted.cpp "#include \"eventstore/event.h\"\n#include \"domain/ticket.h\"\n")
run_check(${WORK} result output)
if(result EQUAL 0 OR NOT output MATCHES "eventstore/planted.cpp \\(eventstore\\) has #include \"domain/ticket.h\"")
  message(FATAL_ERROR "the planted eventstore -> domain include was not reported:\n${output}")
endif()
if(output MATCHES "eventstore/event.h\"")
  message(FATAL_ERROR "an allowed include was reported:\n${output}")
endif()

file(REMOVE ${WORK}/eventstore/planted.cpp)
file(WRITE ${WORK}/projections/planted.h "#pragma once\n#  include \"commands/command_engine.h\"\n")
run_check(${WORK} result output)
if(result EQUAL 0 OR NOT output MATCHES "projections/planted.h \\(projections\\)")
  message(FATAL_ERROR "the planted projections -> commands include was not reported:\n${output}")
endif()

file(REMOVE ${WORK}/projections/planted.h)
run_check(${WORK} result output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "the check fails on the copy without planted files:\n${output}")
endif()
file(REMOVE_RECURSE ${WORK})
message(STATUS "layer check: passes on the tree, reports both planted includes")
