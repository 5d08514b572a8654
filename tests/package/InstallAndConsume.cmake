# Installs the Interfaces component of BUILD_DIR into a fresh prefix, builds
# the consumer project against it and runs it (it checks PLUGIN's metadata
# with the installed headers). Any failing step fails the test.
cmake_minimum_required(VERSION 3.22)

function(run what)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
        message(FATAL_ERROR "${what} failed (${rc}):\n${out}\n${err}")
    endif()
    message(STATUS "${what}: ok\n${out}")
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --component Interfaces --prefix ${prefix})

# Only the contract is installed: no library, no plugin, no executable.
file(GLOB_RECURSE installed RELATIVE ${prefix} ${prefix}/*)
foreach(f ${installed})
    if(NOT f MATCHES "^include/optiverse/[a-z]+\\.h$" AND NOT f MATCHES "^lib[^/]*/cmake/OptiverseInterfaces/")
        message(FATAL_ERROR "unexpected file in the Interfaces component: ${f}")
    endif()
endforeach()

run("configure consumer" ${CMAKE_COMMAND} -S ${CONSUMER_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${prefix} -DQt6_DIR=${QT_DIR})
run("build consumer" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
if(PLUGIN)
    run("run consumer" ${WORK_DIR}/build/consumer ${PLUGIN})
else()
    run("run consumer" ${WORK_DIR}/build/consumer)
endif()
