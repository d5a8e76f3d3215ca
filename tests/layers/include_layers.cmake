# include_layers.cmake -- enforce the include rule of docs/ARCHITECTURE.md.
#   cmake -DROOT=<source tree> -P include_layers.cmake
#
# Modules and their layers (a file may include its own module's headers and
# the public headers of modules in LOWER layers only, so there is no cycle
# between modules):
#   0 sim/base                                  engine, time, rng, keys, exit codes
#   1 models/channel models/llm models/policies traces
#   2 sim/run                                   run loop, scenarios, sinks
#   3 analysis                                  schema, views, merge, summary, plot
#   4 sim/cli                                   commands, on top
# Private headers are named *_int.h and included by bare name from their own
# folder only; public headers by their path from the top of the tree
# ("models/channel/channel.h"; the plug-in header as "edgesim/policy.h").
# Also: no include cycle between any two headers.  Prints every violation and
# fails when there is one.
if(NOT ROOT)
  message(FATAL_ERROR "usage: cmake -DROOT=<source tree> -P include_layers.cmake")
endif()

function(module_of path out)
  if(path MATCHES "^(sim/[^/]+|models/[^/]+)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  elseif(path MATCHES "^(traces|analysis)/")
    set(${out} ${CMAKE_MATCH_1} PARENT_SCOPE)
  else()
    set(${out} "" PARENT_SCOPE)
  endif()
endfunction()

function(rank_of module out)
  if(module STREQUAL "sim/base")
    set(r 0)
  elseif(module MATCHES "^models/" OR module STREQUAL "traces")
    set(r 1)
  elseif(module STREQUAL "sim/run")
    set(r 2)
  elseif(module STREQUAL "analysis")
    set(r 3)
  elseif(module STREQUAL "sim/cli")
    set(r 4)
  else()
    set(r -1)
  endif()
  set(${out} ${r} PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE files RELATIVE ${ROOT}
     ${ROOT}/sim/*.c ${ROOT}/sim/*.h ${ROOT}/models/*.c ${ROOT}/models/*.h
     ${ROOT}/traces/*.c ${ROOT}/traces/*.h ${ROOT}/analysis/*.c ${ROOT}/analysis/*.h)
list(SORT files)
set(errors "")
set(headers "")
foreach(f ${files})
  module_of(${f} mod)
  rank_of("${mod}" rank)
  if(rank LESS 0)
    string(APPEND errors "${f}: not in a known module (add it to tests/layers/include_layers.cmake)\n")
    continue()
  endif()
  get_filename_component(dir ${f} DIRECTORY)
  file(STRINGS ${ROOT}/${f} lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"")
  set(deps "")
  foreach(line ${lines})
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*" "\\1" inc "${line}")
    if(inc STREQUAL "edgesim/policy.h")
      set(target models/policies/include/edgesim/policy.h)
    elseif(NOT inc MATCHES "/")
      # A bare name: a private header of this folder.
      set(target ${dir}/${inc})
      if(NOT inc MATCHES "_int\\.h$")
        string(APPEND errors "${f}: includes \"${inc}\" by bare name: only private *_int.h headers of the same folder are\n")
      endif()
    else()
      set(target ${inc})
      if(inc MATCHES "_int\\.h$")
        string(APPEND errors "${f}: includes private header \"${inc}\" of another folder\n")
      endif()
    endif()
    if(NOT EXISTS ${ROOT}/${target})
      string(APPEND errors "${f}: includes \"${inc}\", which is not in the tree\n")
      continue()
    endif()
    module_of(${target} tmod)
    rank_of("${tmod}" trank)
    if(NOT tmod STREQUAL mod AND NOT trank LESS rank)
      string(APPEND errors "${f}: ${mod} (layer ${rank}) must not include \"${inc}\" of ${tmod} (layer ${trank})\n")
    endif()
    list(APPEND deps ${target})
  endforeach()
  if(f MATCHES "\\.h$")
    list(APPEND headers ${f})
    string(MAKE_C_IDENTIFIER "${f}" key)
    set(DEPS_${key} ${deps})
  endif()
endforeach()

# Header cycles: follow each header's includes; reaching the start is a cycle.
foreach(h ${headers})
  string(MAKE_C_IDENTIFIER "${h}" key)
  set(seen "")
  set(todo ${DEPS_${key}})
  while(todo)
    list(POP_FRONT todo cur)
    if(cur STREQUAL h)
      string(APPEND errors "${h}: include cycle (it includes itself through its includes)\n")
      break()
    endif()
    list(FIND seen ${cur} found)
    if(found GREATER -1)
      continue()
    endif()
    list(APPEND seen ${cur})
    string(MAKE_C_IDENTIFIER "${cur}" ckey)
    list(APPEND todo ${DEPS_${ckey}})
  endwhile()
endforeach()

list(LENGTH files nfiles)
if(errors)
  message("${errors}")
  message(FATAL_ERROR "include rule violated (docs/ARCHITECTURE.md, 'Layers')")
endif()
message(STATUS "include rule holds for ${nfiles} files")
