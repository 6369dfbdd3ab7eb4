# Warnings as an INTERFACE target, linked PRIVATE by every first-party target.
add_library(comptoir_warnings INTERFACE)
target_compile_options(comptoir_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
  $<$<BOOL:${COMPTOIR_WERROR}>:-Werror>)
