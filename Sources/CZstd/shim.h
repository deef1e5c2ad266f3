// zstd for the capture files: the tracker writes raw records while the program runs, and
// `workshop run` compresses the finished capture with zstd (Debian's libzstd-dev).
#ifndef WORKSHOP_CZSTD_SHIM_H
#define WORKSHOP_CZSTD_SHIM_H
#include <zstd.h>
#include <zstd_errors.h>
#endif
