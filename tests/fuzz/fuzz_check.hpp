#pragma once
// Invariant checks inside fuzz targets: a broken invariant must stop the run
// with a report, exactly like a sanitizer finding, so the fuzzer keeps the
// input that caused it.
#include <cstdio>
#include <cstdlib>

#define LUMINA_FUZZ_CHECK(cond, what)                                                   \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "fuzz invariant broken at %s:%d: %s\n", __FILE__, __LINE__, what); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (false)
