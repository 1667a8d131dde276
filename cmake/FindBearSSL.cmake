# FindBearSSL: BearSSL ships no CMake or pkg-config files. Defines BearSSL::BearSSL,
# BearSSL_INCLUDE_DIR (the directory holding bearssl.h; /usr/include/bearssl on Debian) and BearSSL_LIBRARY.
find_path(BearSSL_INCLUDE_DIR bearssl.h PATH_SUFFIXES bearssl)
find_library(BearSSL_LIBRARY NAMES bearssl)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(BearSSL REQUIRED_VARS BearSSL_LIBRARY BearSSL_INCLUDE_DIR)
if(BearSSL_FOUND AND NOT TARGET BearSSL::BearSSL)
  add_library(BearSSL::BearSSL UNKNOWN IMPORTED)
  set_target_properties(BearSSL::BearSSL PROPERTIES
    IMPORTED_LOCATION "${BearSSL_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${BearSSL_INCLUDE_DIR}")
endif()
mark_as_advanced(BearSSL_INCLUDE_DIR BearSSL_LIBRARY)
