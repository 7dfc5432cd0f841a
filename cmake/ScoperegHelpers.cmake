# Warnings shared by every target.
function(scopereg_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers
                                           -Werror=return-type -Werror=unused-result
                                           # GCC 12 misreports Asio's coroutine frame
                                           # allocator (awaitable_frame_base::operator delete).
                                           -Wno-mismatched-new-delete)
  if(SCOPEREG_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(SCOPEREG_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# scopereg_library(NAME SOURCES a.cc b.cc DEPS x y)
# One static library per module; DEPS lists only the modules below it, so a
# forbidden include fails to link.
function(scopereg_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(scopereg_${name} STATIC ${ARG_SOURCES})
  target_include_directories(scopereg_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(scopereg_${name} PUBLIC ${ARG_DEPS})
  scopereg_warnings(scopereg_${name})
endfunction()

# scopereg_test(NAME SOURCES a_test.cc DEPS x LABELS unit)
function(scopereg_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} scopereg_testing GTest::gtest GTest::gmock GTest::gtest_main)
  scopereg_warnings(${name})
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
