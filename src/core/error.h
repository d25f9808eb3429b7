/* error.h: status codes shared by every module. Functions return a status and
 * fill a caller-provided message buffer; only main decides to exit. */
#ifndef VT_ERROR_H
#define VT_ERROR_H

enum vt_status {
	VT_OK = 0,
	VT_EOF = 1,         /* a source has no more samples (replay ended) */
	VT_AGAIN = 2,       /* call again after a delay (a retry with backoff) */
	VT_ERR = -1,        /* generic failure, message filled */
	VT_E_NODRIVER = -2, /* NVML library or kernel driver not present */
	VT_E_MISMATCH = -3, /* NVML library and kernel driver versions differ */
	VT_E_PERM = -4,     /* no permission to open the GPU devices */
	VT_E_USAGE = -5,    /* bad command line or input */
};

#define VT_ERRMSG_MAX 256

#endif
