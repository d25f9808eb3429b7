/* outfile.h: the files vramtop writes (record's trace, the CSV log) -- opened
 * without following a symlink, kept private (0600, an existing file's wider
 * mode is narrowed), appended one whole record at a time. */
#ifndef VT_OUTFILE_H
#define VT_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Opens path for appending (O_APPEND, O_NOFOLLOW, O_NONBLOCK so a FIFO with
 * a stalled reader cannot stall the loop), creating it with mode 0600, or
 * emptying it first with truncate. A symlink, a directory or another
 * user's file is refused; a regular file readable by others is chmod'ed to
 * 0600. *size gets the file's size before writing (0 for a non-file). The
 * fd, or -1 with err filled ("PATH: why"). */
int outfile_open(const char *path, bool truncate, off_t *size, char *err, size_t errlen);

/* Appends buf with a single write(2). A short write (a full disk) is taken
 * back with ftruncate, so the file only ever holds whole records. 0, or -1
 * with errno set (ENOSPC for a short write). */
int outfile_append(int fd, const void *buf, size_t len);

#endif
