/* units.h: human-readable byte counts and durations for tables. */
#ifndef VT_UNITS_H
#define VT_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Binary units with one decimal ("1.5 GiB", "512 MiB", "0 B"). Returns buf. */
char *units_bytes(char *buf, size_t len, uint64_t bytes);
/* Whole MiB, as nvidia-smi prints them ("11264MiB"). Returns buf. */
char *units_mib(char *buf, size_t len, uint64_t bytes);

#endif
