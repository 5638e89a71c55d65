# Fails when a file includes a header of a folder (layer) its own folder does not link.
#
#   cmake -DROOT=<source tree> -DLAYERS=<layers.txt> -P check_layers.cmake
#
# layers.txt has one line per folder: the folder, then every folder it may include
# (itself and the transitive closure of the ticketd_* targets it links), as written by
# ticketd_layer_check() in ticketd.cmake. Only `#include "folder/..."` of a declared folder
# is checked; system and third-party headers (<...>) are not.
cmake_minimum_required(VERSION 3.25)
if(NOT ROOT OR NOT LAYERS)
  message(FATAL_ERROR "usage: cmake -DROOT=<dir> -DLAYERS=<file> -P check_layers.cmake")
endif()
file(STRINGS ${LAYERS} lines)
set(known "")
foreach(line IN LISTS lines)
  string(REPLACE " " ";" parts "${line}")
  list(GET parts 0 folder)
  list(APPEND known ${folder})
  set(ALLOWED_${folder} ${parts})
endforeach()

set(violations 0)
set(checked 0)
foreach(folder IN LISTS known)
  file(GLOB_RECURSE sources RELATIVE ${ROOT} ${ROOT}/${folder}/*.h ${ROOT}/${folder}/*.cpp)
  foreach(source IN LISTS sources)
    math(EXPR checked "${checked} + 1")
    file(STRINGS ${ROOT}/${source} includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"/]+/")
    foreach(include IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"/]+)/.*$" "\\1" target "${include}")
      if(target IN_LIST known AND NOT target IN_LIST ALLOWED_${folder})
        string(STRIP "${include}" include)
        message("layer violation: ${source} (${folder}) has ${include}; ${folder} may include: ${ALLOWED_${folder}}")
        math(EXPR violations "${violations} + 1")
      endif()
    endforeach()
  endforeach()
endforeach()
if(violations GREATER 0)
  message(FATAL_ERROR "${violations} include(s) cross the layers declared in CMake")
endif()
message(STATUS "layers: ${checked} files, every include within its folder's declared dependencies")
