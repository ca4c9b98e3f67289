# LfPython.cmake: finds the Python interpreter for tools/convert.py and the converter tests, the way
# tools/find_python.sh does it (first of $LF_PYTHON / -DLF_PYTHON=..., /usr/bin/python3, python3 that
# can import NumPy). Sets LF_PYTHON to its path, or to "" when there is none (those tests then skip).
set(_lf_py_hint "${LF_PYTHON}")
if(_lf_py_hint STREQUAL "" AND DEFINED ENV{LF_PYTHON})
  set(_lf_py_hint "$ENV{LF_PYTHON}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env "LF_PYTHON=${_lf_py_hint}"
          bash "${CMAKE_CURRENT_LIST_DIR}/../tools/find_python.sh"
  OUTPUT_VARIABLE _lf_py_out
  ERROR_VARIABLE _lf_py_err
  RESULT_VARIABLE _lf_py_rc
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_STRIP_TRAILING_WHITESPACE)
if(_lf_py_rc EQUAL 0 AND NOT _lf_py_out STREQUAL "")
  set(LF_PYTHON "${_lf_py_out}")
  message(STATUS "Python with NumPy (convert.py, converter tests): ${LF_PYTHON}")
else()
  set(LF_PYTHON "")
  message(STATUS "No Python with NumPy found; converter tests will skip (${_lf_py_err})")
endif()
unset(_lf_py_hint)
unset(_lf_py_out)
unset(_lf_py_err)
unset(_lf_py_rc)
