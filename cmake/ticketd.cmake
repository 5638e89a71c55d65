# Shared build settings: the warnings interface target and the sanitizer options.

add_library(ticketd_warnings INTERFACE)
target_compile_options(ticketd_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wpedantic)

if(TICKETD_ASAN AND TICKETD_TSAN)
  message(FATAL_ERROR "TICKETD_ASAN and TICKETD_TSAN are exclusive")
endif()
if(TICKETD_ASAN)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TICKETD_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# ticketd_library(NAME SOURCES ... DEPS ...): one folder = one library target `ticketd_<NAME>`.
function(ticketd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ticketd_${name} STATIC ${ARG_SOURCES})
  target_include_directories(ticketd_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(ticketd_${name} PUBLIC ${ARG_DEPS} PRIVATE ticketd_warnings ${ARG_PRIVATE_DEPS})
endfunction()
