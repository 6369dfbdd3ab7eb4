# comptoir_embed_files(TARGET <target> NAMESPACE <ns> FUNCTION <fn> FILES <f>...)
#
# Compiles files into the target as a sorted table of (name, contents) so a binary carries
# what it needs (migrations, reference data) wherever it is deployed. The generated source
# defines `std::vector<comptoir::common::EmbeddedFile> <ns>::<fn>()`.
function(comptoir_embed_files)
  cmake_parse_arguments(E "" "TARGET;NAMESPACE;FUNCTION" "FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${E_TARGET}_${E_FUNCTION}_embedded.cc)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMESPACE=${E_NAMESPACE} -DFUNCTION=${E_FUNCTION}
            "-DFILES=${E_FILES}" -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${E_FUNCTION} into ${E_TARGET}"
    # VERBATIM quotes "-DFILES=a;b" for the shell: without it a second file ends the command.
    VERBATIM)
  target_sources(${E_TARGET} PRIVATE ${out})
endfunction()
