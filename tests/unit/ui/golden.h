/* golden.h: compare a test's output with a stored golden file, or rewrite the
 * file when VT_GOLDEN_UPDATE=1 (see tests/unit/ui/README.md). */
#ifndef VT_TEST_GOLDEN_H
#define VT_TEST_GOLDEN_H

#include <stdbool.h>

/* Whether VT_GOLDEN_UPDATE=1 is set. */
bool golden_updating(void);

/* Compares got with VT_GOLDEN_DIR/<name>.golden. Returns true when they are
 * equal, or when updating (the file is then rewritten with got). On a
 * mismatch, prints the first differing line of each to stderr and writes got
 * to <name>.golden.new in the current directory for inspection. */
bool golden_check(const char *name, const char *got);

#endif
