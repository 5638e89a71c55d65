# Shared build settings: the warnings interface target, the sanitizer options, the
# one-library-per-folder helper and the layer check.

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
if(TICKETD_FUZZ)
  # clang 16 with libstdc++ 12: <expected> checks __cpp_concepts >= 202002, which clang 16
  # implements (P0848) but does not announce.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -Wno-builtin-macro-redefined -U__cpp_concepts
                      -D__cpp_concepts=202002L)
  add_link_options(-fsanitize=address,undefined)
endif()
if(TICKETD_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

# ticketd_library(NAME SOURCES ... DEPS ... PRIVATE_DEPS ...): folder NAME = library
# target `ticketd_<NAME>`. DEPS are what its headers need (PUBLIC), PRIVATE_DEPS what only
# its .cpp files need. The ticketd_* targets among both are the folders whose headers
# NAME's files may include (see ticketd_layer_check).
function(ticketd_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(ticketd_${name} STATIC ${ARG_SOURCES})
  target_include_directories(ticketd_${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(ticketd_${name} PUBLIC ${ARG_DEPS} PRIVATE ticketd_warnings ${ARG_PRIVATE_DEPS})
  ticketd_declare_layer(${name} ${ARG_DEPS} ${ARG_PRIVATE_DEPS})
endfunction()

# ticketd_declare_layer(FOLDER LINKED...): records which ticketd_* targets FOLDER links.
function(ticketd_declare_layer folder)
  set(direct "")
  foreach(dep IN LISTS ARGN)
    if(dep MATCHES "^ticketd_(.+)$" AND NOT dep STREQUAL "ticketd_warnings")
      list(APPEND direct ${CMAKE_MATCH_1})
    endif()
  endforeach()
  set_property(GLOBAL APPEND PROPERTY TICKETD_LAYERS ${folder})
  set_property(GLOBAL PROPERTY TICKETD_LAYER_DEPS_${folder} ${direct})
endfunction()

# ticketd_layer_check(): after every folder is declared, writes the allowed-includes table
# (each folder with the transitive closure of what it links) to
# ${CMAKE_BINARY_DIR}/layers.txt, and adds the `check_layers` target (part of every build)
# that runs cmake/check_layers.cmake over the source tree with it.
function(ticketd_layer_check)
  get_property(layers GLOBAL PROPERTY TICKETD_LAYERS)
  set(table "")
  foreach(layer IN LISTS layers)
    set(allowed ${layer})
    set(todo ${layer})
    while(todo)
      list(POP_FRONT todo current)
      get_property(deps GLOBAL PROPERTY TICKETD_LAYER_DEPS_${current})
      foreach(dep IN LISTS deps)
        if(NOT dep IN_LIST allowed)
          list(APPEND allowed ${dep})
          list(APPEND todo ${dep})
        endif()
      endforeach()
    endwhile()
    list(JOIN allowed " " allowed_text)
    string(APPEND table "${allowed_text}\n")
  endforeach()
  file(WRITE ${CMAKE_BINARY_DIR}/layers.txt "${table}")
  add_custom_target(check_layers ALL
    COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR} -DLAYERS=${CMAKE_BINARY_DIR}/layers.txt
            -P ${PROJECT_SOURCE_DIR}/cmake/check_layers.cmake
    COMMENT "Checking that every #include respects the layers declared in CMake"
    VERBATIM)
endfunction()
